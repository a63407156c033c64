package genfixtures

import "testing"

func upbit(t *testing.T) fixture  { t.Skip("todo"); return fixture{} }
func ronin(t *testing.T) fixture  { t.Skip("todo"); return fixture{} }
func kucoin(t *testing.T) fixture { t.Skip("todo"); return fixture{} }
func bybit(t *testing.T) fixture  { t.Skip("todo"); return fixture{} }
