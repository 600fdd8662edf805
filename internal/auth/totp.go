package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/vigilsec/vigil/internal/state"
)

// TOTP parameters (RFC 6238 defaults, which every authenticator app supports).
const (
	totpPeriod    = 30
	totpDigits    = otp.DigitsSix
	recoveryCodes = 10
)

// Errors of second-factor management.
var (
	ErrTOTPNotEnrolled = errors.New("no authenticator enrolment is pending")
	ErrTOTPBadCode     = errors.New("the code is not valid")
	ErrTOTPEnabled     = errors.New("a second factor is already enabled")
)

func totpContext(userID string) string { return "totp:" + userID }

// Enrolment is what a user needs to add Vigil to an authenticator app.
type Enrolment struct {
	Secret string `json:"secret"` // base32
	URL    string `json:"url"`    // otpauth:// URI (for a QR code)
}

// EnrolTOTP starts (or restarts) a second-factor enrolment: a new secret, sealed at rest, active only once
// confirmed with a code.
func (u *Users) EnrolTOTP(ctx context.Context, id string) (Enrolment, error) {
	rec, err := u.Store.User(ctx, id)
	if err != nil {
		return Enrolment{}, err
	}
	if rec.TOTPEnabled {
		return Enrolment{}, ErrTOTPEnabled
	}
	issuer := u.Issuer
	if issuer == "" {
		issuer = "Vigil"
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: rec.Username, Period: totpPeriod, Digits: totpDigits,
		Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, err
	}
	rec.TOTPSecret = u.Box.Seal([]byte(key.Secret()), totpContext(rec.ID))
	rec.TOTPLastStep, rec.UpdatedAt = 0, u.now()
	if err := u.Store.UpdateUser(ctx, rec); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// ConfirmTOTP turns the second factor on when code is valid for the pending secret, and returns single-use recovery
// codes (shown once; only their hashes are kept).
func (u *Users) ConfirmTOTP(ctx context.Context, id, code string) ([]string, error) {
	rec, err := u.Store.User(ctx, id)
	if err != nil {
		return nil, err
	}
	if rec.TOTPEnabled {
		return nil, ErrTOTPEnabled
	}
	if len(rec.TOTPSecret) == 0 {
		return nil, ErrTOTPNotEnrolled
	}
	now := u.now()
	step, ok, err := u.matchTOTP(&rec, code, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrTOTPBadCode
	}
	codes := make([]string, recoveryCodes)
	hashes := make([]string, recoveryCodes)
	for i := range codes {
		var b [10]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		c := strings.ToLower(base32.StdEncoding.EncodeToString(b[:]))
		codes[i] = c[:8] + "-" + c[8:]
		hashes[i] = hashRecovery(codes[i])
	}
	rec.RecoveryCodes, _ = json.Marshal(hashes)
	rec.TOTPEnabled, rec.TOTPLastStep, rec.UpdatedAt = true, step, now
	return codes, u.Store.UpdateUser(ctx, rec)
}

// DisableTOTP turns the second factor off and forgets its secret and recovery codes.
func (u *Users) DisableTOTP(ctx context.Context, id string) error {
	rec, err := u.Store.User(ctx, id)
	if err != nil {
		return err
	}
	rec.TOTPEnabled, rec.TOTPSecret, rec.RecoveryCodes, rec.TOTPLastStep, rec.UpdatedAt = false, nil, nil, 0, u.now()
	return u.Store.UpdateUser(ctx, rec)
}

func hashRecovery(code string) string {
	h := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(code))))
	return base32.StdEncoding.EncodeToString(h[:])
}

// matchTOTP checks code against the steps around now (one either side, for clock drift) that are later than the
// last accepted one, so a code is never accepted twice.
func (u *Users) matchTOTP(rec *state.User, code string, now time.Time) (int64, bool, error) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false, nil
	}
	raw, err := u.Box.Open(rec.TOTPSecret, totpContext(rec.ID))
	if err != nil {
		return 0, false, err
	}
	cur := now.Unix() / totpPeriod
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		if step <= rec.TOTPLastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(string(raw), time.Unix(step*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true, nil
		}
	}
	return 0, false, nil
}

// checkSecondFactor accepts a TOTP code or an unused recovery code (which it then spends). The caller stores rec.
func (u *Users) checkSecondFactor(rec *state.User, code string, now time.Time) (bool, error) {
	step, ok, err := u.matchTOTP(rec, code, now)
	if err != nil {
		return false, err
	}
	if ok {
		rec.TOTPLastStep = step
		return true, nil
	}
	var hashes []string
	if len(rec.RecoveryCodes) > 0 {
		if err := json.Unmarshal(rec.RecoveryCodes, &hashes); err != nil {
			return false, err
		}
	}
	h := hashRecovery(code)
	for i, stored := range hashes {
		if subtle.ConstantTimeCompare([]byte(stored), []byte(h)) == 1 {
			hashes = append(hashes[:i], hashes[i+1:]...)
			rec.RecoveryCodes, _ = json.Marshal(hashes)
			return true, nil
		}
	}
	return false, nil
}
