package app_test

import "github.com/vigilsec/vigil/internal/secret"

func secretBox(key string) (*secret.Box, bool, error) { return secret.LoadOrCreate(key, "") }
