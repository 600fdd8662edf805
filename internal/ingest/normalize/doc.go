// Package normalize turns field values, as sources give them, into the typed columns of a schema table: JSON values
// into KQL types, text timestamps and time spans into microseconds, and fields with no column into the table's
// _Extra bag, so nothing a source said is lost.
package normalize
