// Package pipeline moves events from the receivers into the event store: the Receiver parses and normalises a
// request body into batches and publishes them durably on the stream; the Writer consumes the stream and appends
// the batches to the store, recording the stream sequence in the same transaction so a replay after a crash never
// writes a row twice.
package pipeline
