//go:build js && wasm

// Command wasm is the voter's device in the browser: the same Go code as
// the server and the verifier (credential requests, ballot encryption and
// proofs, openings), compiled to WebAssembly. It links only the crypto
// core and the ballot code — no net/http, no encoding/json — and talks to
// the page through one global object, urna:
//
//	urna.credentialRequest(issuer, context, district) → {blinded, request}
//	urna.credentialFinalize(request, blindSignature) → {credential, secret}
//	urna.encrypt(context, key, style, credential, secret, seq, choices)
//	    → {ballot, opening, trackingCode}
//	urna.checkOpening(context, key, style, ballot, opening) → choices
//	urna.selfTest() — throws unless the known-answer test passes
//
// Bytes travel as Uint8Array; a style is an array of [index, options, min,
// max]; choices an array of arrays of 0 and 1. Errors are thrown as
// strings. The page stores credential and secret (the device's credential
// key) to re-vote later, and sends only the ballot to the server.
package main

import (
	"crypto/rand"
	"errors"
	"syscall/js"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/crypto/credential"
	"github.com/urna-vote/urna/crypto/elgamal"
)

func main() {
	api := js.Global().Get("Object").New()
	api.Set("credentialRequest", fn(credentialRequest))
	api.Set("credentialFinalize", fn(credentialFinalize))
	api.Set("encrypt", fn(encrypt))
	api.Set("checkOpening", fn(checkOpening))
	api.Set("selfTest", fn(func([]js.Value) (any, error) { return nil, ballot.SelfTest() }))
	js.Global().Set("urna", api)
	if ready := js.Global().Get("urnaReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}

// fn wraps f so that a returned error is thrown in JavaScript.
func fn(f func(args []js.Value) (any, error)) js.Func {
	return js.FuncOf(func(this js.Value, args []js.Value) (result any) {
		defer func() {
			if r := recover(); r != nil {
				result = js.Global().Get("Error").New("urna: internal error")
			}
		}()
		v, err := f(args)
		if err != nil {
			panic(js.Global().Get("Error").New(err.Error()))
		}
		return v
	})
}

var errArgs = errors.New("urna: wrong arguments")

func bytesOf(v js.Value) []byte {
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

func toJS(b []byte) js.Value {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

// requests holds the device's pending credential requests (secret: the
// new credential key and the blinding factor never leave this module).
var requests = map[int]*credential.Request{}
var nextRequest = 1

func credentialRequest(args []js.Value) (any, error) {
	if len(args) != 3 {
		return nil, errArgs
	}
	pub, err := credential.ParsePublicKey(bytesOf(args[0]))
	if err != nil {
		return nil, err
	}
	var ctx [32]byte
	if c := bytesOf(args[1]); len(c) == 32 {
		copy(ctx[:], c)
	} else {
		return nil, errArgs
	}
	req, err := credential.NewRequest(rand.Reader, pub, ctx, args[2].String())
	if err != nil {
		return nil, err
	}
	id := nextRequest
	nextRequest++
	requests[id] = req
	return map[string]any{"blinded": toJS(req.Blinded()), "request": id}, nil
}

func credentialFinalize(args []js.Value) (any, error) {
	if len(args) != 2 {
		return nil, errArgs
	}
	id := args[0].Int()
	req := requests[id]
	if req == nil {
		return nil, errors.New("urna: no such credential request")
	}
	cred, err := req.Finalize(bytesOf(args[1]))
	if err != nil {
		return nil, err
	}
	key, err := req.Key()
	if err != nil {
		return nil, err
	}
	delete(requests, id)
	return map[string]any{"credential": toJS(cred.Encode()), "secret": toJS(key.SecretBytes())}, nil
}

func ballotContext(ctxv, keyv js.Value) (*ballot.Context, error) {
	c := bytesOf(ctxv)
	if len(c) != 32 {
		return nil, errArgs
	}
	k, err := elgamal.DecodePublicKey(bytesOf(keyv))
	if err != nil {
		return nil, err
	}
	out := &ballot.Context{Key: k}
	copy(out.Election[:], c)
	return out, nil
}

func styleOf(v js.Value) ballot.Style {
	var s ballot.Style
	for i := 0; i < v.Length(); i++ {
		c := v.Index(i)
		s = append(s, ballot.Contest{Index: uint16(c.Index(0).Int()), Options: c.Index(1).Int(),
			Min: c.Index(2).Int(), Max: c.Index(3).Int()})
	}
	return s
}

func choicesOf(v js.Value) ballot.Choices {
	out := make(ballot.Choices, v.Length())
	for i := range out {
		c := v.Index(i)
		out[i] = make([]uint8, c.Length())
		for j := range out[i] {
			out[i][j] = uint8(c.Index(j).Int())
		}
	}
	return out
}

func choicesToJS(cs ballot.Choices) js.Value {
	a := js.Global().Get("Array").New(len(cs))
	for i, c := range cs {
		b := js.Global().Get("Array").New(len(c))
		for j, x := range c {
			b.SetIndex(j, int(x))
		}
		a.SetIndex(i, b)
	}
	return a
}

func encrypt(args []js.Value) (any, error) {
	if len(args) != 7 {
		return nil, errArgs
	}
	ctx, err := ballotContext(args[0], args[1])
	if err != nil {
		return nil, err
	}
	style := styleOf(args[2])
	credBytes := bytesOf(args[3])
	cred, err := credential.DecodeCredential(credBytes)
	if err != nil {
		return nil, err
	}
	key, err := credential.NewKey(bytesOf(args[4]), cred)
	if err != nil {
		return nil, err
	}
	defer key.Zero()
	choices := choicesOf(args[6])
	if err := ballot.CheckChoices(style, choices); err != nil {
		return nil, err
	}
	b, op, err := ballot.Encrypt(rand.Reader, ctx, style, credBytes, key.Secret(), uint32(args[5].Int()), choices)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ballot": toJS(b.Bytes()), "opening": toJS(op.Encode()), "trackingCode": b.TrackingCode()}, nil
}

func checkOpening(args []js.Value) (any, error) {
	if len(args) != 5 {
		return nil, errArgs
	}
	ctx, err := ballotContext(args[0], args[1])
	if err != nil {
		return nil, err
	}
	b, err := ballot.Decode(bytesOf(args[3]))
	if err != nil {
		return nil, err
	}
	if err := b.Verify(ctx, styleOf(args[2])); err != nil {
		return nil, err
	}
	op, err := ballot.DecodeOpening(bytesOf(args[4]))
	if err != nil {
		return nil, err
	}
	choices, err := ballot.VerifyOpening(ctx, b, op)
	if err != nil {
		return nil, err
	}
	return choicesToJS(choices), nil
}
