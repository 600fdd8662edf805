package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new hashes: the OWASP recommendation (19 MiB, 2 passes, 1 lane). Stored hashes carry
// their own parameters, so raising these later keeps old hashes verifiable.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password policy.
const (
	MinPasswordLen = 12  // characters
	MaxPasswordLen = 256 // bytes; bounds the work a sign-in attempt costs
)

// ErrWeakPassword is returned for a password the policy refuses.
var ErrWeakPassword = errors.New("password does not meet the policy")

// HashPassword returns the argon2id hash of password in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the encoded hash, comparing in constant time. A malformed hash
// never matches.
func VerifyPassword(encoded, password string) bool {
	if len(password) > MaxPasswordLen {
		return false
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	// Bounds keep a tampered hash from making one verification arbitrarily expensive.
	if m < 8*1024 || m > 1024*1024 || t < 1 || t > 10 || p < 1 || p > 16 {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when a sign-in names no known user, so the answer takes as long either way.
var dummyHash = func() string {
	h, _ := HashPassword("vigil-dummy-password-for-timing")
	return h
}()

// CheckPassword applies the password policy: at least MinPasswordLen characters, at most MaxPasswordLen bytes, not
// the user name (nor containing it), not one of the commonly used passwords, not a single repeated character.
func CheckPassword(username, password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return fmt.Errorf("%w: at least %d characters are needed", ErrWeakPassword, MinPasswordLen)
	case len(password) > MaxPasswordLen:
		return fmt.Errorf("%w: at most %d bytes", ErrWeakPassword, MaxPasswordLen)
	case !utf8.ValidString(password):
		return fmt.Errorf("%w: not valid UTF-8", ErrWeakPassword)
	}
	lp, lu := strings.ToLower(password), strings.ToLower(strings.TrimSpace(username))
	if lu != "" && (lp == lu || (len(lu) >= 4 && strings.Contains(lp, lu))) {
		return fmt.Errorf("%w: it must not contain the user name", ErrWeakPassword)
	}
	if strings.Count(lp, lp[:1]) == len(lp) {
		return fmt.Errorf("%w: a single repeated character", ErrWeakPassword)
	}
	if commonPasswords[lp] {
		return fmt.Errorf("%w: it is one of the most commonly used passwords", ErrWeakPassword)
	}
	return nil
}

// commonPasswords holds frequently used passwords of 12 characters or more (shorter ones fail the length rule),
// lower-cased, drawn from the public lists of breached passwords.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`
		123456789012 1234567890123 12345678901234 123456789123 1234567890qwe 1q2w3e4r5t6y 1qaz2wsx3edc 1qazxsw23edc
		qwertyuiop12 qwertyuiopasdf qwerty123456 qwertyuiop123 qwerty12345678 asdfghjkl123 zxcvbnm12345 q1w2e3r4t5y6
		password1234 password12345 password123456 passwordpassword password1234! password123! p@ssw0rd1234 passw0rd1234
		iloveyou1234 iloveyouforever welcome12345 welcome123456 welcome@1234 changeme1234 changeme123! letmein12345
		administrator administrator1 admin1234567 admin12345678 adminadmin12 rootpassword superman1234 football1234
		baseball1234 trustno11234 monkey123456 dragon123456 sunshine1234 princess1234 starwars1234 whatever1234
		abcdefghijkl abc123456789 abcd12345678 aa1234567890 000000000000 111111111111 987654321012 098765432109
		secret123456 vigilvigil12 letmeinplease correcthorsebatterystaple summer2024!! winter2024!! spring2025!!`) {
		m[p] = true
	}
	return m
}()
