// Package smtptest runs a real SMTP server on loopback for tests:
// aiosmtpd (Debian's python3-aiosmtpd) driven by the embedded smtpd.py,
// with STARTTLS (or implicit TLS, or none) on a self-signed certificate
// the client can trust through Server.Pool, AUTH for User/Password, and
// every accepted message saved as <n>.eml in Server.Dir. The delivery
// package's tests and the scheduled-report end-to-end test use it.
package smtptest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

//go:embed smtpd.py
var script []byte

// The account the server accepts.
const (
	User     = "reports@example.com"
	Password = "s3cret-Pa55word!"
)

// Options choose the server's behaviour.
type Options struct {
	Mode    string // starttls (default), implicit, plain
	Slow    bool   // sit on DATA for a minute (cancellation tests)
	MaxSize int    // SIZE announced and enforced; 0: aiosmtpd's default
}

// Server is a running test server.
type Server struct {
	Port int
	Dir  string         // where messages land as <n>.eml; auth.log lists AUTH attempts
	Pool *x509.CertPool // trusts the server's certificate
}

var (
	pythonOnce sync.Once
	pythonPath string
	pythonWhy  string
)

// Python returns a python3 that can import aiosmtpd, or skips the test
// (fails it under POSTURE_REQUIRE_E2E=1). $POSTURE_PYTHON, the python3
// on PATH and /usr/bin/python3 are tried: a pyenv or venv python on PATH
// does not see Debian's python3-aiosmtpd.
func Python(t testing.TB) string {
	t.Helper()
	pythonOnce.Do(func() {
		var candidates []string
		if p := os.Getenv("POSTURE_PYTHON"); p != "" {
			candidates = append(candidates, p)
		}
		if p, err := exec.LookPath("python3"); err == nil {
			candidates = append(candidates, p)
		}
		candidates = append(candidates, "/usr/bin/python3")
		pythonWhy = "no python3 found"
		for _, p := range candidates {
			out, err := exec.Command(p, "-c", "import aiosmtpd").CombinedOutput()
			if err == nil {
				pythonPath = p
				return
			}
			pythonWhy = fmt.Sprintf("%s cannot import aiosmtpd: %v: %s", p, err, bytes.TrimSpace(out))
		}
	})
	if pythonPath == "" {
		msg := "install python3-aiosmtpd (apt-get install -y python3-aiosmtpd) for the SMTP end-to-end tests: " + pythonWhy
		if os.Getenv("POSTURE_REQUIRE_E2E") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return pythonPath
}

// certificate writes a self-signed certificate for 127.0.0.1, ::1 and
// localhost into dir and returns the PEM files and a pool trusting it.
func certificate(t testing.TB, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "posture test smtpd"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs the server until the test ends. The port is chosen here and
// handed over, so a rare clash with another process is retried.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	py := Python(t)
	work := t.TempDir()
	scriptPath := filepath.Join(work, "smtpd.py")
	if err := os.WriteFile(scriptPath, script, 0o600); err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, pool := certificate(t, work)
	if o.Mode == "" {
		o.Mode = "starttls"
	}
	var lastErr error
	for try := 0; try < 3; try++ {
		s := &Server{Port: freePort(t), Dir: t.TempDir(), Pool: pool}
		args := []string{scriptPath, "--port", strconv.Itoa(s.Port), "--dir", s.Dir,
			"--cert", certFile, "--key", keyFile, "--user", User, "--password", Password, "--mode", o.Mode}
		if o.Slow {
			args = append(args, "--slow")
		}
		if o.MaxSize > 0 {
			args = append(args, "--max-size", strconv.Itoa(o.MaxSize))
		}
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, py, args...)
		cmd.WaitDelay = 5 * time.Second
		stdin, err := cmd.StdinPipe()
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatalf("start smtpd: %v", err)
		}
		ready := make(chan error, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if strings.TrimSpace(sc.Text()) == "READY" {
					ready <- nil
					_, _ = io.Copy(io.Discard, stdout)
					return
				}
			}
			ready <- errors.New("smtpd exited before READY")
		}()
		select {
		case err = <-ready:
		case <-time.After(30 * time.Second):
			err = errors.New("smtpd not READY after 30s")
		}
		if err == nil {
			t.Cleanup(func() {
				_ = stdin.Close() // the script exits when stdin closes
				done := make(chan struct{})
				go func() { _ = cmd.Wait(); close(done) }()
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					cancel()
					<-done
				}
				cancel()
			})
			return s
		}
		cancel()
		_ = cmd.Wait()
		lastErr = fmt.Errorf("%w; stderr:\n%s", err, stderr.String())
	}
	t.Fatalf("smtpd: %v", lastErr)
	return nil
}

// Messages lists the saved messages' files in the order received.
func (s *Server) Messages(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(s.Dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(files, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.TrimSuffix(filepath.Base(files[i]), ".eml"))
		b, _ := strconv.Atoi(strings.TrimSuffix(filepath.Base(files[j]), ".eml"))
		return a < b
	})
	return files
}
