package linereader_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/x/linereader"
)

func TestNext(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	r := linereader.New(strings.NewReader("a\n"+long+"\nb"), 100<<10)
	line, tooLong, err := r.Next()
	require.NoError(t, err)
	require.Equal(t, "a\n", string(line))
	require.False(t, tooLong)
	line, tooLong, err = r.Next()
	require.NoError(t, err)
	require.True(t, tooLong)
	require.Less(t, len(line), 200<<10, "an over-long line is not buffered whole")
	line, tooLong, err = r.Next()
	require.True(t, errors.Is(err, io.EOF))
	require.Equal(t, "b", string(line))
	require.False(t, tooLong)
}
