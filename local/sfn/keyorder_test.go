package sfn

import "testing"

func TestKeyOrdersFollowFirstSeenOrder(t *testing.T) {
	k := newKeyOrders(nil)
	k.learn([]byte(`{"Parameters": {"zeta": 1, "alpha.$": "$.a", "m\"id": [{"y": 1, "x": "}"}]}, "Next": "B"}`))
	tests := []struct {
		doc, want string
	}{
		{`{"alpha": 1, "zeta": 2, "m\"id": []}`, `{"zeta":2,"alpha":1,"m\"id":[]}`},
		{`[{"x": 1, "y": 2}]`, `[{"y":2,"x":1}]`},
		{`{"Parameters": {}, "Next": 1}`, `{"Parameters":{},"Next":1}`},
		{`{"b": 1, "a": 2}`, `{"a":2,"b":1}`}, // never seen: sorted
		{`{"Cause": "c", "Error": "e"}`, `{"Error":"e","Cause":"c"}`},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			v, err := decodeJSON([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if got := k.encodeOrdered(v); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
