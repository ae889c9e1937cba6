package lead

import (
	"regexp"
	"testing"
	"time"
)

// Lead ids are unique, and ids made later sort later (the store's tables grow at their ends).
func TestLeadIDsAreUniqueAndSortByTime(t *testing.T) {
	form := regexp.MustCompile(`^lead_[0-9a-f]{24}$`)
	seen := map[string]bool{}
	prev := ""
	for i := range 20000 {
		id := newLeadID()
		if !form.MatchString(id) || seen[id] {
			t.Fatalf("id %d = %q (duplicate %v)", i, id, seen[id])
		}
		seen[id] = true
		if i%5000 == 0 {
			time.Sleep(2 * time.Millisecond)
			if prev != "" && id < prev {
				t.Fatalf("%s made after %s sorts before it", id, prev)
			}
			prev = id
		}
	}
}
