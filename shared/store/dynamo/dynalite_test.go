package dynamo_test

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/dealflow/dealflow/internal/testenv"
	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/storetest"
)

// dynaliteNoTx is why the suite skips transactional cases on dynalite.
const dynaliteNoTx = "dynalite 4.0.0 does not implement TransactWriteItems, which this adapter uses for outbox events and unique keys"

// startDynalite runs dynalite in memory on a free loopback port until the test ends.
func startDynalite(t *testing.T) *dynamodb.Client {
	t.Helper()
	bin := testenv.Tool(t, "dynalite")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, "--host", "127.0.0.1", "--port", port, "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dynalite %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dynalite did not listen on %s: %v\n%s", addr, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + addr),
		Credentials:  credentials.NewStaticCredentialsProvider("dealflow", "dealflow", ""),
	})
}

// TestConformanceDynalite runs the suite over HTTP against dynalite, a DynamoDB-compatible server.
func TestConformanceDynalite(t *testing.T) {
	client := startDynalite(t)
	// Keep the skip honest: if dynalite learns transactions, this fails and the option should go.
	_, err := client.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String("probe"),
			Item: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "x"}}}}},
	})
	if err == nil || !strings.Contains(err.Error(), "UnknownOperation") {
		t.Fatalf("TransactWriteItems on dynalite: got %v, want UnknownOperationException; if dynalite supports transactions now, drop WithoutTransactions", err)
	}
	storetest.RunTests(t, func(t *testing.T, clk clock.Clock) store.Store {
		return newTable(t, client, clk)
	}, storetest.WithoutTransactions(dynaliteNoTx))
}
