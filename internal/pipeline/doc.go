// Package pipeline moves events from the receivers into the event store: the Receiver parses and normalises a
// request body into batches and publishes them durably on the stream; the Writer consumes the stream and appends
// the batches to the store, recording the batch ids in the same transaction so a replay after a crash never
// writes a row twice. (Batch ids, not stream sequences, identify a replay: a stream restarted after a crash may
// reuse the sequences of messages it had already deleted.)
package pipeline
