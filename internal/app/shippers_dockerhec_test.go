package app_test

import (
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/vigilsec/vigil/internal/config"
)

// TestDockerSplunkDriverHEC runs Docker's splunk logging driver (test/shippers/dockerhec: the driver that
// "docker run --log-driver=splunk" uses, built from the Docker module) as a real HEC client. It ships the
// generated syslog lines to /services/collector/event/1.0 in its inline format ({"line": …, "source": "stdout",
// "tag": …}) with source type syslog, with and without gzip, with a request channel (index acknowledgement);
// every line must land once in Syslog with its columns. The driver's connection check (an unauthenticated
// OPTIONS request, on by default) runs: Vigil answers it as Splunk does.
func TestDockerSplunkDriverHEC(t *testing.T) {
	bin := buildShipper(t, "dockerhec")
	for _, gzip := range []bool{true, false} {
		t.Run("gzip="+strconv.FormatBool(gzip), func(t *testing.T) {
			s := start(t, func(c *config.Config) { c.Detection.BuiltinRules = false })
			tok := s.token("ingest")
			file := writeShipFile(t, t.TempDir(), shipLines)
			t0 := time.Now()
			p := runShipperProcess(t, exec.Command(bin,
				"-opt", "splunk-url="+s.base, "-opt", "splunk-token="+tok, "-opt", "splunk-sourcetype=syslog",
				"-opt", "splunk-format=inline", "-opt", "splunk-gzip="+strconv.FormatBool(gzip),
				"-opt", "splunk-index-acknowledgment=true", file))
			checkShipped(t, s, shipLines, p)
			<-p.exited
			if p.err != nil {
				t.Fatalf("the driver failed: %v\n%s", p.err, p.out)
			}
			t.Logf("%d lines shipped by Docker's splunk driver (gzip %v) in %s (under load)", shipLines, gzip, time.Since(t0).Round(time.Millisecond))
		})
	}
}
