package udf

import (
	"database/sql/driver"
	"math"
	"strings"
)

// Statistical functions (erf, erfc, beta_cdf, beta_pdf, beta_inv) and the unit conversions convert_angle,
// convert_energy, convert_force, convert_length, convert_mass, convert_speed, convert_temperature and convert_volume.
func init() {
	real1 := func(name string, f func(float64) float64) {
		Register(Func{Name: name, Args: []Type{Real}, Result: Real, Fn: func(a []driver.Value) (any, error) {
			return f(a[0].(float64)), nil
		}})
	}
	real1("kql_erf", math.Erf)
	real1("kql_erfc", math.Erfc)
	real3 := func(name string, f func(x, a, b float64) any) {
		Register(Func{Name: name, Args: []Type{Real, Real, Real}, Result: Real, Fn: func(a []driver.Value) (any, error) {
			return f(a[0].(float64), a[1].(float64), a[2].(float64)), nil
		}})
	}
	real3("kql_beta_cdf", func(x, a, b float64) any {
		if x < 0 || x > 1 || a <= 0 || b <= 0 {
			return math.NaN()
		}
		return betaInc(x, a, b)
	})
	real3("kql_beta_pdf", func(x, a, b float64) any {
		if x < 0 || x > 1 || a <= 0 || b <= 0 {
			return math.NaN()
		}
		return math.Exp((a-1)*math.Log(x) + (b-1)*math.Log1p(-x) - lbeta(a, b))
	})
	real3("kql_beta_inv", func(p, a, b float64) any {
		if p < 0 || p > 1 {
			return nil
		}
		if a <= 0 || b <= 0 {
			return math.NaN()
		}
		// Bisection on the monotone CDF: 100 halvings reach double precision.
		lo, hi := 0.0, 1.0
		for i := 0; i < 100; i++ {
			mid := (lo + hi) / 2
			if betaInc(mid, a, b) < p {
				lo = mid
			} else {
				hi = mid
			}
		}
		return (lo + hi) / 2
	})
	for name, units := range unitTables {
		units := units
		Register(Func{Name: "kql_convert_" + name, Args: []Type{Real, String, String}, Result: Real, Fn: func(a []driver.Value) (any, error) {
			from, ok1 := units[strings.ToLower(a[1].(string))]
			to, ok2 := units[strings.ToLower(a[2].(string))]
			if !ok1 || !ok2 {
				return nil, nil
			}
			return to.from(from.to(a[0].(float64))), nil
		}})
	}
}

func lbeta(a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return la + lb - lab
}

// betaInc is the regularised incomplete beta function I_x(a, b), evaluated with Lentz's continued fraction
// (on the side of the symmetry relation where it converges fast).
func betaInc(x, a, b float64) float64 {
	if x == 0 || x == 1 {
		return x
	}
	if x > (a+1)/(a+b+2) {
		return 1 - betaInc(1-x, b, a)
	}
	front := math.Exp(a*math.Log(x)+b*math.Log1p(-x)-lbeta(a, b)) / a
	const tiny = 1e-300
	f, c, d := 1.0, 1.0, 0.0
	for i := 0; i <= 400; i++ {
		m := float64(i / 2)
		var num float64
		switch {
		case i == 0:
			num = 1
		case i%2 == 0:
			num = m * (b - m) * x / ((a + 2*m - 1) * (a + 2*m))
		default:
			num = -(a + m) * (a + b + m) * x / ((a + 2*m) * (a + 2*m + 1))
		}
		d = 1 + num*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		d = 1 / d
		c = 1 + num/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		cd := c * d
		f *= cd
		if math.Abs(1-cd) < 1e-15 {
			break
		}
	}
	return front * (f - 1)
}

// unit converts a value to and from a family's base unit.
type unit struct{ to, from func(float64) float64 }

func linear(k float64) unit {
	return unit{to: func(v float64) float64 { return v * k }, from: func(v float64) float64 { return v / k }}
}

func affine(k, off float64) unit { // base = v*k + off
	return unit{to: func(v float64) float64 { return v*k + off }, from: func(v float64) float64 { return (v - off) / k }}
}

func table(m map[string]float64) map[string]unit {
	out := make(map[string]unit, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = linear(v)
	}
	return out
}

// Units by the names the Kusto documentation lists, with their factor to the family's SI base unit.
var unitTables = map[string]map[string]unit{
	"angle": table(map[string]float64{
		"Radian": 1, "Degree": math.Pi / 180, "Arcminute": math.Pi / 180 / 60, "Arcsecond": math.Pi / 180 / 3600,
		"Gradian": math.Pi / 200, "Microdegree": math.Pi / 180 * 1e-6, "Microradian": 1e-6, "Millidegree": math.Pi / 180 * 1e-3,
		"Milliradian": 1e-3, "Nanodegree": math.Pi / 180 * 1e-9, "Nanoradian": 1e-9, "NatoMil": 2 * math.Pi / 6400,
		"Revolution": 2 * math.Pi, "Centiradian": 1e-2, "Deciradian": 1e-1,
	}),
	"energy": table(map[string]float64{
		"Joule": 1, "Millijoule": 1e-3, "Kilojoule": 1e3, "Megajoule": 1e6, "Gigajoule": 1e9,
		"BritishThermalUnit": 1055.05585262, "KilobritishThermalUnit": 1055.05585262e3, "MegabritishThermalUnit": 1055.05585262e6,
		"GigabritishThermalUnit": 1055.05585262e9, "Calorie": 4.184, "Kilocalorie": 4184, "Megacalorie": 4.184e6,
		"ElectronVolt": 1.602176634e-19, "KiloelectronVolt": 1.602176634e-16, "MegaelectronVolt": 1.602176634e-13,
		"GigaelectronVolt": 1.602176634e-10, "TeraelectronVolt": 1.602176634e-7, "Erg": 1e-7, "FootPound": 1.3558179483314004,
		"HorsepowerHour": 2.684519537696172792e6, "WattHour": 3600, "KilowattHour": 3.6e6, "MegawattHour": 3.6e9,
		"GigawattHour": 3.6e12, "TerawattHour": 3.6e15, "WattDay": 86400, "KilowattDay": 8.64e7, "MegawattDay": 8.64e10,
		"GigawattDay": 8.64e13, "TerawattDay": 8.64e16, "ThermEc": 1.05505585262e8, "ThermUs": 1.054804e8,
		"ThermImperial": 1.05505585257348e8, "DecathermEc": 1.05505585262e9, "DecathermUs": 1.054804e9,
		"DecathermImperial": 1.05505585257348e9,
	}),
	"force": table(map[string]float64{
		"Newton": 1, "Decanewton": 10, "Kilonewton": 1e3, "Meganewton": 1e6, "Micronewton": 1e-6, "Millinewton": 1e-3,
		"Dyn": 1e-5, "KilogramForce": 9.80665, "TonneForce": 9806.65, "KilopoundForce": 4448.2216152605,
		"PoundForce": 4.4482216152605, "Poundal": 0.138254954376, "OunceForce": 0.27801385095378125,
		"ShortTonForce": 8896.443230521, "KiloPond": 9.80665,
	}),
	"length": table(map[string]float64{
		"Meter": 1, "Kilometer": 1e3, "Hectometer": 100, "Decameter": 10, "Decimeter": 0.1, "Centimeter": 0.01,
		"Millimeter": 1e-3, "Micrometer": 1e-6, "Nanometer": 1e-9, "Inch": 0.0254, "Foot": 0.3048, "Yard": 0.9144,
		"Mile": 1609.344, "NauticalMile": 1852, "Mil": 2.54e-5, "Microinch": 2.54e-8, "Fathom": 1.8288,
		"UsSurveyFoot": 1200.0 / 3937, "Hand": 0.1016, "LightYear": 9.4607304725808e15, "AstronomicalUnit": 1.495978707e11,
	}),
	"mass": table(map[string]float64{
		"Kilogram": 1, "Gram": 1e-3, "Milligram": 1e-6, "Microgram": 1e-9, "Nanogram": 1e-12, "Centigram": 1e-5,
		"Decigram": 1e-4, "Decagram": 1e-2, "Hectogram": 0.1, "Tonne": 1e3, "Kilotonne": 1e6, "Megatonne": 1e9,
		"Pound": 0.45359237, "Kilopound": 453.59237, "Megapound": 453592.37, "Ounce": 0.028349523125, "Grain": 6.479891e-5,
		"Stone": 6.35029318, "ShortTon": 907.18474, "LongTon": 1016.0469088, "ShortHundredweight": 45.359237,
		"LongHundredweight": 50.80234544, "Slug": 14.593902937206364,
	}),
	"speed": table(map[string]float64{
		"MeterPerSecond": 1, "MeterPerMinute": 1.0 / 60, "MeterPerHour": 1.0 / 3600, "CentimeterPerSecond": 0.01,
		"CentimeterPerMinute": 0.01 / 60, "CentimeterPerHour": 0.01 / 3600, "MillimeterPerSecond": 1e-3,
		"MillimeterPerMinute": 1e-3 / 60, "MillimeterPerHour": 1e-3 / 3600, "KilometerPerSecond": 1e3,
		"KilometerPerMinute": 1e3 / 60, "KilometerPerHour": 1e3 / 3600, "DecimeterPerSecond": 0.1, "DecimeterPerMinute": 0.1 / 60,
		"MicrometerPerSecond": 1e-6, "MicrometerPerMinute": 1e-6 / 60, "NanometerPerSecond": 1e-9, "NanometerPerMinute": 1e-9 / 60,
		"FootPerSecond": 0.3048, "FootPerMinute": 0.3048 / 60, "FootPerHour": 0.3048 / 3600, "InchPerSecond": 0.0254,
		"InchPerMinute": 0.0254 / 60, "InchPerHour": 0.0254 / 3600, "YardPerSecond": 0.9144, "YardPerMinute": 0.9144 / 60,
		"YardPerHour": 0.9144 / 3600, "MilePerHour": 0.44704, "Knot": 1852.0 / 3600, "Mach": 340.29,
		"UsSurveyFootPerSecond": 1200.0 / 3937,
	}),
	"volume": table(map[string]float64{
		"CubicMeter": 1, "Liter": 1e-3, "Milliliter": 1e-6, "Centiliter": 1e-5, "Deciliter": 1e-4, "Hectoliter": 0.1,
		"Kiloliter": 1, "Megaliter": 1e3, "Microliter": 1e-9, "CubicCentimeter": 1e-6, "CubicMillimeter": 1e-9,
		"CubicDecimeter": 1e-3, "CubicKilometer": 1e9, "CubicFoot": 0.028316846592, "CubicInch": 1.6387064e-5,
		"CubicYard": 0.764554857984, "CubicMile": 4.168181825440579584e9, "AcreFoot": 1233.48183754752,
		"UsGallon": 3.785411784e-3, "ImperialGallon": 4.54609e-3, "UsQuart": 9.46352946e-4, "UsPint": 4.73176473e-4,
		"UsOunce": 2.95735295625e-5, "ImperialOunce": 2.84130625e-5, "ImperialPint": 5.6826125e-4, "UsTablespoon": 1.478676478125e-5,
		"UsTeaspoon": 4.92892159375e-6, "UsBeerBarrel": 0.117347765304, "OilBarrel": 0.158987294928, "UsCustomaryCup": 2.365882365e-4,
	}),
	"temperature": {
		"kelvin":             linear(1),
		"degreecelsius":      affine(1, 273.15),
		"degreefahrenheit":   affine(5.0/9, 273.15-32*5.0/9),
		"degreerankine":      linear(5.0 / 9),
		"degreedelisle":      affine(-2.0/3, 373.15),
		"degreenewton":       affine(100.0/33, 273.15),
		"degreereaumur":      affine(5.0/4, 273.15),
		"degreeroemer":       affine(40.0/21, 273.15-7.5*40.0/21),
		"millidegreecelsius": affine(1e-3, 273.15),
		"solartemperature":   linear(5778),
	},
}
