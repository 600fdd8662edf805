package limitread_test

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/x/limitread"
)

func TestLimit(t *testing.T) {
	b, err := io.ReadAll(limitread.New(strings.NewReader("12345"), 5))
	require.NoError(t, err, "exactly the limit is allowed")
	require.Equal(t, "12345", string(b))

	_, err = io.ReadAll(limitread.New(strings.NewReader("123456"), 5))
	require.ErrorIs(t, err, limitread.ErrTooLarge)

	r := limitread.New(strings.NewReader(strings.Repeat("x", 100)), 10)
	buf := make([]byte, 4)
	total := 0
	for {
		n, err := r.Read(buf)
		total += n
		if err != nil {
			require.ErrorIs(t, err, limitread.ErrTooLarge)
			break
		}
	}
	require.LessOrEqual(t, total, 11, "reads stop just past the limit")
}
