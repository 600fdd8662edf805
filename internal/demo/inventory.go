package demo

import "github.com/vigilsec/vigil/internal/x/jsonw"

// deviceInfo writes the hourly DeviceInfo report of d.
func (g *gen) deviceInfo(d *device, ts int64) {
	t := g.begin(tDeviceInfo, ts)
	dev(t, d)
	t.s("ClientVersion", clientVer)
	switch {
	case d == g.w.webServer:
		t.s("PublicIP", "20.61.84.30")
	case d.kind == kindWorkstation && d.user != nil && d.user.country == "IE":
		t.s("PublicIP", branchIP)
	default:
		t.s("PublicIP", officeIP)
	}
	t.s("OSArchitecture", "64-bit")
	t.s("OSPlatform", d.osPlatform)
	if d.osBuild > 0 {
		t.n("OSBuild", d.osBuild)
	}
	t.s("OSVersion", d.osVersion)
	t.s("OSDistribution", d.osDist)
	if d.windows() {
		t.b("IsAzureADJoined", d.kind == kindWorkstation)
		if d.kind == kindWorkstation {
			t.s("JoinType", "Hybrid Azure AD Join")
			t.s("AadDeviceId", d.aadID)
		} else {
			t.s("JoinType", "Domain Joined")
		}
	}
	b := append(g.scratch[:0], '[')
	if s := d.sess; s != nil {
		b = append(b, `{"UserName":`...)
		b = jsonw.AppendString(b, s.user.sam)
		b = append(b, `,"DomainName":"`+netbios+`","Sid":`...)
		b = jsonw.AppendString(b, s.user.sid)
		b = append(b, '}')
	}
	b = append(b, ']')
	t.rawBytes("LoggedOnUsers", b)
	g.scratch = b
	t.s("MachineGroup", machineGrp)
	t.s("OnboardingStatus", "Onboarded")
	t.s("SensorHealthState", "Active")
	t.s("DeviceCategory", "Endpoint")
	switch d.kind {
	case kindWorkstation:
		t.s("DeviceType", "Workstation")
		t.s("Vendor", "Dell Inc.")
		t.s("Model", "Latitude 5440")
		t.s("AssetValue", "Normal")
		t.s("ExposureLevel", "Medium")
	default:
		t.s("DeviceType", "Server")
		t.s("Vendor", "VMware, Inc.")
		t.s("Model", "VMware20,1")
		if d.kind == kindDC || d.role == "file" {
			t.s("AssetValue", "High")
		} else {
			t.s("AssetValue", "Normal")
		}
		t.s("ExposureLevel", "Low")
	}
	t.b("IsInternetFacing", d == g.w.webServer)
	t.b("IsExcluded", false)
	g.rid(t)
	g.done(t)
}
