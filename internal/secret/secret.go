// Package secret seals secrets kept at rest (connector and SSO client secrets, TOTP seeds) with AES-256-GCM under
// one key, given in the configuration or the VIGIL_SECRET_KEY environment variable, or generated on first start and
// kept (mode 0600) in the data directory.
//
// A sealed value is a version byte, a 12-byte random nonce and the GCM ciphertext with its tag. The context string
// passed to Seal and Open is authenticated too, so a value sealed for one purpose (say the TOTP seed of one user)
// cannot be moved to another.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of a key in bytes.
const KeySize = 32

const version = 1

// ErrOpen is returned when a sealed value cannot be opened: wrong key, wrong context, or damaged.
var ErrOpen = errors.New("secret: cannot open sealed value (wrong key or damaged)")

// Box seals and opens secrets. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// ParseKey decodes a key written as base64 (standard or URL alphabet, padded or not) or hex.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("secret key: want %d bytes as base64 or hex (such as the output of: openssl rand -base64 32)", KeySize)
}

// LoadOrCreate returns the Box for the configured key if set, else for the key file under dir, creating it with a
// random key (mode 0600) if there is none. created reports that a new key was written.
func LoadOrCreate(configured, dir string) (b *Box, created bool, err error) {
	if configured != "" {
		key, err := ParseKey(configured)
		if err != nil {
			return nil, false, err
		}
		b, err := New(key)
		return b, false, err
	}
	path := filepath.Join(dir, "secret.key")
	if raw, err := os.ReadFile(path); err == nil {
		key, err := ParseKey(string(raw))
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		b, err := New(key)
		return b, false, err
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("write secret key: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		_ = f.Close()
		return nil, false, err
	}
	if err := f.Close(); err != nil {
		return nil, false, err
	}
	b, err = New(key)
	return b, true, err
}

// Seal encrypts plaintext, binding it to context.
func (b *Box) Seal(plaintext []byte, context string) []byte {
	out := make([]byte, 1+b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b.aead.Seal(out, out[1:], plaintext, []byte(context))
}

// Open decrypts a value made by Seal with the same context.
func (b *Box) Open(sealed []byte, context string) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	pt, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(context))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// SealString seals s and renders it as text ("sealed:v1:" and base64), for values kept in text columns or files.
func (b *Box) SealString(s, context string) string {
	return "sealed:v1:" + base64.RawStdEncoding.EncodeToString(b.Seal([]byte(s), context))
}

// OpenString opens a value made by SealString.
func (b *Box) OpenString(s, context string) (string, error) {
	rest, ok := strings.CutPrefix(s, "sealed:v1:")
	if !ok {
		return "", ErrOpen
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil {
		return "", ErrOpen
	}
	pt, err := b.Open(raw, context)
	return string(pt), err
}
