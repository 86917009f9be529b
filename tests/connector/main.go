// connector-server: a remote server for external-dns's `connector` source, built from external-dns's
// own endpoint package so that the bytes on the wire are exactly what encoding/gob makes of
// []*endpoint.Endpoint.
//
//	connector-server -listen 127.0.0.1:0 -endpoints endpoints.json [-port-file F]
//	connector-server -dump -endpoints endpoints.json    (the gob bytes as hex on stdout, for unit tests)
//
// Every TCP connection gets one gob value, the endpoints read from the JSON file at that moment (so a
// test changes what is served by rewriting the file), then the connection is closed. The JSON is
// endpoint.Endpoint's own encoding (dnsName, targets, recordType, setIdentifier, recordTTL, labels,
// providerSpecific).
package main

import (
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"

	"sigs.k8s.io/external-dns/endpoint"
)

func load(path string) ([]*endpoint.Endpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var endpoints []*endpoint.Endpoint
	if err := json.Unmarshal(data, &endpoints); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return endpoints, nil
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	file := flag.String("endpoints", "", "JSON file of endpoints to serve")
	portFile := flag.String("port-file", "", "write the address listened on to this file")
	dump := flag.Bool("dump", false, "print the gob encoding as hex and exit")
	flag.Parse()
	if *file == "" {
		log.Fatal("-endpoints is required")
	}
	if *dump {
		endpoints, err := load(*file)
		if err != nil {
			log.Fatal(err)
		}
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(endpoints); err != nil {
			log.Fatal(err)
		}
		fmt.Println(hex.EncodeToString(buf.Bytes()))
		return
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	if *portFile != "" {
		tmp := *portFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(ln.Addr().String()), 0o644); err != nil {
			log.Fatal(err)
		}
		if err := os.Rename(tmp, *portFile); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("serving %s on %s", *file, ln.Addr())
	for {
		conn, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(conn, *file)
	}
}

func serve(conn net.Conn, file string) {
	defer conn.Close()
	endpoints, err := load(file)
	if err != nil {
		log.Printf("not serving %s: %v", conn.RemoteAddr(), err)
		return
	}
	if err := gob.NewEncoder(conn).Encode(endpoints); err != nil {
		log.Printf("encoding for %s: %v", conn.RemoteAddr(), err)
	}
}
