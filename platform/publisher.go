package platform

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/urna-vote/urna/protocol"
)

// The publication key of the platform's data folder:
//
//	DATA/publisher.key   the key that signs published protocols (PKCS #8 PEM, mode 0600)
//	DATA/publisher.crt   its self-signed certificate (PEM), whose SHA-256 is printed on every protocol's PDF
//
// Both are made on first use. The certificate is public: the commission
// announces its fingerprint, and it is what `xmlsec1 --pubkey-cert-pem`
// checks the signed XML against.
const (
	publisherKeyFile  = "publisher.key"
	publisherCertFile = "publisher.crt"
)

// publisherState is the platform's publication key, loaded or made on
// first use.
type publisherState struct {
	mu  sync.Mutex
	pub *protocol.Publisher
}

// Publisher returns the platform's publication key and certificate (the
// election commission's, which signs the protocols the platform publishes),
// loading them from the data folder or, on first use, making them there.
// A key without its certificate is an error, never replaced: protocols
// already published name that certificate.
func (p *Platform) Publisher() (*protocol.Publisher, error) {
	p.publisher.mu.Lock()
	defer p.publisher.mu.Unlock()
	if p.publisher.pub != nil {
		return p.publisher.pub, nil
	}
	pub, err := loadOrCreatePublisher(p.Config.Data, "Публикация протоколов "+p.Config.Origin)
	if err != nil {
		return nil, fmt.Errorf("platform: the publication key: %w", err)
	}
	p.publisher.pub = pub
	p.Log.Info("publication key", "certificate_sha256", pub.Fingerprint())
	return pub, nil
}

func loadOrCreatePublisher(dir, commonName string) (*protocol.Publisher, error) {
	keyPath, certPath := filepath.Join(dir, publisherKeyFile), filepath.Join(dir, publisherCertFile)
	key, err := os.ReadFile(keyPath)
	switch {
	case err == nil:
		cert, err := os.ReadFile(certPath)
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s exists without %s: restore the certificate from a backup (published protocols name it)", keyPath, certPath)
		}
		if err != nil {
			return nil, err
		}
		return protocol.ParsePublisher(key, cert)
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	pub, err := protocol.GeneratePublisher(rand.Reader, commonName)
	if err != nil {
		return nil, err
	}
	keyPEM, certPEM, err := pub.MarshalPEM()
	if err != nil {
		return nil, err
	}
	// The certificate first: a crash between the two leaves a certificate
	// without a key, which the next start replaces, never the reverse.
	if err := replaceFile(certPath, certPEM, 0o644); err != nil {
		return nil, err
	}
	if err := replaceFile(keyPath, keyPEM, 0o600); err != nil {
		return nil, err
	}
	return pub, nil
}

// replaceFile writes data to path atomically and durably: a temporary
// file with the given mode, synced, renamed over path, the folder synced.
func replaceFile(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
