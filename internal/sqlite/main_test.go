package sqlite

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves goroutines behind (a store
// not closed, a claimer not stopped).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
