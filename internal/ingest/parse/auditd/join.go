package auditd

import (
	"path"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
)

// multiRecord are the record types of a syscall event, which auditd ends with an EOE record.
var multiRecord = map[string]bool{
	"SYSCALL": true, "EXECVE": true, "CWD": true, "PATH": true, "PROCTITLE": true, "SOCKADDR": true,
	"FD_PAIR": true, "MMAP": true, "BPRM_FCAPS": true, "CAPSET": true, "OBJ_PID": true, "IPC": true,
	"SOCKETCALL": true, "MQ_OPEN": true, "KERN_MODULE": true, "URINGOP": true,
}

// maxPending is how many unfinished events of one source a Joiner holds; the oldest is written when more arrive.
const maxPending = 16

type key struct{ host, node, serial string }

// Joiner gathers the records of each event and writes the event once it is complete: at its EOE record, at once
// for a single-record event, when too many newer events of its source are waiting, or at Flush. A Joiner is not
// safe for concurrent use.
type Joiner struct {
	pending map[key][]Record
	order   []key
}

// NewJoiner returns an empty Joiner.
func NewJoiner() *Joiner { return &Joiner{pending: map[key][]Record{}} }

// Add adds a record that came from host (the syslog host, or "" for a file; a node= field wins) and writes the
// events it completes into out.
func (j *Joiner) Add(r Record, host string, out tables.Sink) error {
	k := key{host: host, node: r.Node, serial: r.Serial}
	recs, open := j.pending[k]
	if r.Type == "EOE" {
		if open {
			return j.emit(k, out)
		}
		return nil
	}
	if !open && !multiRecord[r.Type] {
		return write([]Record{r}, host, out)
	}
	if !open {
		j.order = append(j.order, k)
		n := 0
		for _, o := range j.order {
			if o.host == host && o.node == r.Node {
				n++
			}
		}
		if n > maxPending {
			for _, o := range j.order {
				if o.host == host && o.node == r.Node && o != k {
					if err := j.emit(o, out); err != nil {
						return err
					}
					break
				}
			}
		}
	}
	j.pending[k] = append(recs, r)
	return nil
}

// Pending returns how many events are waiting.
func (j *Joiner) Pending() int { return len(j.pending) }

// Flush writes every waiting event.
func (j *Joiner) Flush(out tables.Sink) error {
	for len(j.order) > 0 {
		if err := j.emit(j.order[0], out); err != nil {
			return err
		}
	}
	return nil
}

func (j *Joiner) emit(k key, out tables.Sink) error {
	recs := j.pending[k]
	delete(j.pending, k)
	for i, o := range j.order {
		if o == k {
			j.order = append(j.order[:i], j.order[i+1:]...)
			break
		}
	}
	if len(recs) == 0 {
		return nil
	}
	return write(recs, k.host, out)
}

// event is a joined event.
type event struct {
	recs    []Record
	syscall *Record
	execve  *Record
	cwd     string
	paths   []*Record
}

func write(recs []Record, host string, out tables.Sink) error {
	e := event{recs: recs}
	for i := range recs {
		r := &recs[i]
		switch r.Type {
		case "SYSCALL":
			e.syscall = r
		case "EXECVE":
			e.execve = r
		case "CWD":
			e.cwd = r.Text("cwd")
		case "PATH":
			e.paths = append(e.paths, r)
		}
	}
	if recs[0].Node != "" {
		host = recs[0].Node
	}
	wrote := false
	ok := e.syscall != nil && e.syscall.Text("success") != "no"
	if ok && e.execve != nil {
		if err := writeProcess(&e, host, out); err != nil {
			return err
		}
		wrote = true
	}
	if ok {
		n, err := writeFiles(&e, host, out)
		if err != nil {
			return err
		}
		wrote = wrote || n > 0
	}
	if !wrote {
		return writeSyslog(&e, host, out)
	}
	return nil
}

// Args returns the decoded arguments of an EXECVE record (a0…aN, including arguments auditd split into aN[i]).
func Args(r *Record) []string {
	argc, _ := strconv.Atoi(r.Text("argc"))
	if argc < 0 || argc > 1<<16 {
		argc = 0
	}
	args := make([]string, 0, argc)
	for i := 0; i < argc; i++ {
		name := "a" + strconv.Itoa(i)
		if _, ok := r.Get(name); ok {
			args = append(args, r.Text(name))
			continue
		}
		// Long arguments: aN_len=… aN[0]=… aN[1]=…
		var sb strings.Builder
		for k := 0; ; k++ {
			f, ok := r.Get(name + "[" + strconv.Itoa(k) + "]")
			if !ok {
				break
			}
			sb.WriteString(decode(f))
		}
		args = append(args, sb.String())
	}
	return args
}

// commandLine joins arguments, quoting those that hold spaces.
func commandLine(args []string) string {
	var sb strings.Builder
	for i, a := range args {
		if i > 0 {
			sb.WriteByte(' ')
		}
		if a == "" || strings.ContainsAny(a, " \t\"") {
			sb.WriteString(strconv.Quote(a))
		} else {
			sb.WriteString(a)
		}
	}
	return sb.String()
}

// account returns the interpreted user name of an id field (UID="alice"), or the number.
func account(r *Record, field string) string {
	if v := r.EnrichedText(strings.ToUpper(field)); v != "" {
		return v
	}
	v := r.Text(field)
	if v == "4294967295" {
		return ""
	}
	return v
}

func additional(e *event, extra ...[2]string) string {
	s := e.syscall
	buf := []byte(`{"Source":"auditd","AuditId":`)
	buf = strconv.AppendQuote(buf, strconv.FormatFloat(float64(s.Time)/1e6, 'f', 3, 64)+":"+s.Serial)
	kv := append([][2]string{
		{"Syscall", firstNonEmpty(s.EnrichedText("SYSCALL"), s.Text("syscall"))}, {"Arch", s.Text("arch")},
		{"Auid", account(s, "auid")}, {"Uid", account(s, "uid")}, {"Euid", account(s, "euid")},
		{"Tty", s.Text("tty")}, {"Ses", s.Text("ses")}, {"Comm", s.Text("comm")}, {"Key", s.Text("key")},
		{"Cwd", e.cwd}, {"Success", s.Text("success")}, {"Exit", s.Text("exit")},
	}, extra...)
	for _, p := range kv {
		if p[1] != "" {
			buf = append(buf, ',')
			buf = strconv.AppendQuote(buf, p[0])
			buf = append(buf, ':')
			buf = strconv.AppendQuote(buf, p[1])
		}
	}
	return string(append(buf, '}'))
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func writeProcess(e *event, host string, out tables.Sink) error {
	b, err := out.Builder("DeviceProcessEvents")
	if err != nil {
		return err
	}
	s := e.syscall
	r := tables.Begin(b)
	r.Int("Timestamp", s.Time)
	r.Int("TimeGenerated", s.Time)
	r.String("DeviceName", host)
	r.String("ActionType", "ProcessCreated")
	exe := s.Text("exe")
	r.String("FolderPath", exe)
	r.String("FileName", path.Base(exe))
	r.Text("ProcessId", s.Text("pid"))
	r.String("ProcessCommandLine", commandLine(Args(e.execve)))
	r.String("AccountName", account(s, "uid"))
	r.Text("LogonId", s.Text("ses"))
	r.Text("InitiatingProcessId", s.Text("ppid"))
	r.String("InitiatingProcessAccountName", account(s, "auid"))
	r.String("AdditionalFields", additional(e))
	r.Commit()
	return nil
}

func writeFiles(e *event, host string, out tables.Sink) (int, error) {
	var created, deleted []string
	for _, p := range e.paths {
		name := p.Text("name")
		if name == "" {
			continue
		}
		if !strings.HasPrefix(name, "/") && e.cwd != "" {
			name = path.Join(e.cwd, name)
		}
		switch p.Text("nametype") {
		case "CREATE":
			created = append(created, name)
		case "DELETE":
			deleted = append(deleted, name)
		}
	}
	if len(created) == 0 && len(deleted) == 0 {
		return 0, nil
	}
	b, err := out.Builder("DeviceFileEvents")
	if err != nil {
		return 0, err
	}
	row := func(action, p, prev string) {
		s := e.syscall
		r := tables.Begin(b)
		r.Int("Timestamp", s.Time)
		r.Int("TimeGenerated", s.Time)
		r.String("DeviceName", host)
		r.String("ActionType", action)
		r.String("FolderPath", p)
		r.String("FileName", path.Base(p))
		if prev != "" {
			r.String("PreviousFolderPath", path.Dir(prev))
			r.String("PreviousFileName", path.Base(prev))
		}
		exe := s.Text("exe")
		r.String("InitiatingProcessFolderPath", exe)
		r.String("InitiatingProcessFileName", path.Base(exe))
		r.Text("InitiatingProcessId", s.Text("pid"))
		r.String("InitiatingProcessAccountName", account(s, "uid"))
		r.String("AdditionalFields", additional(e))
		r.Commit()
	}
	n := 0
	if len(created) == 1 && len(deleted) == 1 {
		row("FileRenamed", created[0], deleted[0])
		return 1, nil
	}
	for _, p := range created {
		row("FileCreated", p, "")
		n++
	}
	for _, p := range deleted {
		row("FileDeleted", p, "")
		n++
	}
	return n, nil
}

func writeSyslog(e *event, host string, out tables.Sink) error {
	b, err := out.Builder("Syslog")
	if err != nil {
		return err
	}
	r := tables.Begin(b)
	r.Int("TimeGenerated", e.recs[0].Time)
	r.Int("EventTime", e.recs[0].Time)
	r.String("Computer", host)
	r.String("HostName", host)
	r.String("Facility", "audit")
	r.String("SeverityLevel", "info")
	r.String("ProcessName", "auditd")
	raws := make([]string, len(e.recs))
	for i := range e.recs {
		raws[i] = strings.TrimRight(e.recs[i].Raw, "\r\n")
	}
	r.String("SyslogMessage", strings.Join(raws, "\n"))
	r.String("Type", "Syslog")
	r.Commit()
	return nil
}
