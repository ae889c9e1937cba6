package sfn

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

func TestScratch(t *testing.T) {
	def, _ := os.ReadFile(os.Getenv("SCRATCH_DEF"))
	in := os.Getenv("SCRATCH_IN")
	r := executeCase(def, []byte(in))
	b, _ := json.MarshalIndent(r, "", " ")
	fmt.Println(string(b))
}
