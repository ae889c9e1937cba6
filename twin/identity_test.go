package twin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/store/dynamo"
)

var storyToken struct {
	once   sync.Once
	secret string
	err    error
}

// apiToken is an integration's API token stored in the stack's table, as an admin would create it
// (dealflow tokens create): internal writes need one, the lead signature covers intake only.
func apiToken(t *testing.T, tw *Twin) string {
	t.Helper()
	storyToken.once.Do(func() {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tw.dynMu.Lock()
			defer tw.dynMu.Unlock()
			tw.dyn.ServeHTTP(w, r)
		}))
		defer srv.Close()
		client := dynamodb.New(dynamodb.Options{Region: Region, BaseEndpoint: aws.String(srv.URL),
			Credentials: credentials.NewStaticCredentialsProvider("twin", "twin", "")})
		var table string
		for name := range tw.tables {
			table = name
		}
		st, err := dynamo.New(client, table)
		if err != nil {
			storyToken.err = err
			return
		}
		_, storyToken.secret, storyToken.err = identity.CreateToken(context.Background(), st, "stories",
			[]identity.Scope{identity.ScopeDealsWrite, identity.ScopeActivitiesWrite, identity.ScopeRead}, "", time.Now())
	})
	if storyToken.err != nil {
		t.Fatal(storyToken.err)
	}
	return storyToken.secret
}
