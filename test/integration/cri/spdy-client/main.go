// spdy-client opens a CRI streaming URL the way the kubelet's clients do: an
// HTTP/1.1 upgrade to SPDY/3.1 naming the Kubernetes stream protocols, then
// the k8s streams over spdystream (the library kubelet and kubectl use).
//
// exec/attach: opens error, stdin, stdout, stderr and (with -tty) resize
// streams, copies this process's stdin and output, and sends one resize.
// portforward: opens an error+data pair per -requests, sends stdin's bytes on
// each data stream, half-closes it and prints what comes back.
//
// The JSON result (the HTTP status, the negotiated protocol, the error
// streams' text, a refusal's body) goes to the -result file.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/moby/spdystream"
)

type result struct {
	Status   int      `json:"status"`
	Protocol string   `json:"protocol"`
	Errors   []string `json:"errors"`
	Body     string   `json:"body,omitempty"`
}

// upgradedConn reads first what the HTTP response reader buffered past the 101.
type upgradedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *upgradedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "spdy-client: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	protocols := flag.String("protocols", "v4.channel.k8s.io", "X-Stream-Protocol-Version values in preference order, comma-separated; empty sends none")
	mode := flag.String("mode", "exec", "exec (for attach too) or portforward")
	stdin := flag.Bool("stdin", false, "open a stdin stream and copy this process's stdin to it")
	stdout := flag.Bool("stdout", true, "open a stdout stream")
	stderr := flag.Bool("stderr", false, "open a stderr stream")
	tty := flag.Bool("tty", false, "open a resize stream")
	resize := flag.String("resize", "", "WIDTHxHEIGHT to send on the resize stream before any stdin")
	port := flag.String("port", "", "portforward: the port header")
	requests := flag.Int("requests", 1, "portforward: how many stream pairs, one after another")
	resultFile := flag.String("result", "", "file for the JSON result")
	flag.Parse()
	if flag.NArg() != 1 || *resultFile == "" {
		fail("usage: spdy-client -result FILE [flags] URL")
	}
	u, err := url.Parse(flag.Arg(0))
	if err != nil {
		fail("%v", err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		fail("%v", err)
	}
	request := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
	for _, p := range strings.Split(*protocols, ",") {
		if p != "" {
			request += "X-Stream-Protocol-Version: " + p + "\r\n"
		}
	}
	if _, err := io.WriteString(conn, request+"\r\n"); err != nil {
		fail("%v", err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		fail("reading the upgrade response: %v", err)
	}
	res := result{Status: resp.StatusCode, Protocol: resp.Header.Get("X-Stream-Protocol-Version"), Errors: []string{}}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(resp.Body)
		res.Body = string(body)
		writeResult(*resultFile, res)
		return
	}
	if !strings.EqualFold(resp.Header.Get("Upgrade"), "SPDY/3.1") {
		fail("101 without Upgrade: SPDY/3.1")
	}
	sc, err := spdystream.NewConnection(&upgradedConn{conn, br}, false)
	if err != nil {
		fail("%v", err)
	}
	go sc.Serve(spdystream.NoOpStreamHandler)
	if _, err := sc.Ping(); err != nil {
		fail("ping: %v", err)
	}

	create := func(h http.Header) *spdystream.Stream {
		s, err := sc.CreateStream(h, nil, false)
		if err != nil {
			fail("creating a %s stream: %v", h.Get("streamtype"), err)
		}
		if err := s.Wait(); err != nil {
			fail("waiting for the %s stream's reply: %v", h.Get("streamtype"), err)
		}
		return s
	}

	if *mode == "portforward" {
		input, _ := io.ReadAll(os.Stdin)
		for i := 0; i < *requests; i++ {
			h := http.Header{}
			h.Set("streamtype", "error")
			h.Set("port", *port)
			h.Set("requestid", strconv.Itoa(i))
			errStream := create(h)
			h = h.Clone()
			h.Set("streamtype", "data")
			data := create(h)
			errText := make(chan string)
			go func() {
				b, _ := io.ReadAll(errStream)
				errText <- string(b)
			}()
			if _, err := data.Write(input); err != nil {
				fail("writing to the data stream: %v", err)
			}
			data.Close()
			reply, _ := io.ReadAll(data)
			os.Stdout.Write(reply)
			res.Errors = append(res.Errors, <-errText)
		}
		sc.Close()
		writeResult(*resultFile, res)
		return
	}

	stream := func(t string) *spdystream.Stream {
		h := http.Header{}
		h.Set("streamtype", t)
		return create(h)
	}
	errStream := stream("error")
	var in, out, errOut, resizeStream *spdystream.Stream
	if *stdin {
		in = stream("stdin")
	}
	if *stdout {
		out = stream("stdout")
	}
	if *stderr {
		errOut = stream("stderr")
	}
	if *tty {
		resizeStream = stream("resize")
	}
	errText := make(chan string)
	go func() {
		b, _ := io.ReadAll(errStream)
		errText <- string(b)
	}()
	var wg sync.WaitGroup
	copyOut := func(s *spdystream.Stream, w io.Writer) {
		if s == nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			io.Copy(w, s)
		}()
	}
	copyOut(out, os.Stdout)
	copyOut(errOut, os.Stderr)
	if *resize != "" {
		var width, height uint16
		if _, err := fmt.Sscanf(*resize, "%dx%d", &width, &height); err != nil || resizeStream == nil {
			fail("-resize needs -tty and WIDTHxHEIGHT")
		}
		if err := json.NewEncoder(resizeStream).Encode(struct{ Width, Height uint16 }{width, height}); err != nil {
			fail("resize: %v", err)
		}
	}
	if in != nil {
		go func() {
			io.Copy(in, os.Stdin)
			in.Close()
		}()
	}
	wg.Wait()
	res.Errors = append(res.Errors, <-errText)
	sc.Close()
	writeResult(*resultFile, res)
}

func writeResult(path string, res result) {
	b, _ := json.Marshal(res)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		fail("%v", err)
	}
}
