package parser

// SetStmtHook installs f to run before each statement and returns a
// function that removes it.
func SetStmtHook(f func()) (restore func()) {
	stmtHook = f
	return func() { stmtHook = nil }
}
