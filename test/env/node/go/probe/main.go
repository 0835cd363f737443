// probe reports what a container sees, for tests of the node's enforcement:
//
//	probe id                   print uid and gid
//	probe write PATH           create PATH; exit 1 with the error if it cannot
//	probe cat PATH             print the file at PATH
//	probe message TEXT         write TEXT to /dev/termination-log and exit 0
//	probe alloc MIB            touch MIB mebibytes of memory, then exit 0
//	probe sleep SECONDS        sleep, then exit 0
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: probe id|write|cat|message|alloc|sleep [ARG]")
	}
	arg := ""
	if len(os.Args) > 2 {
		arg = os.Args[2]
	}
	switch os.Args[1] {
	case "id":
		fmt.Printf("uid=%d gid=%d\n", os.Getuid(), os.Getgid())
	case "write":
		check(os.WriteFile(arg, []byte("x"), 0o644))
	case "cat":
		data, err := os.ReadFile(arg)
		check(err)
		os.Stdout.Write(data)
	case "message":
		check(os.WriteFile("/dev/termination-log", []byte(arg), 0o644))
	case "alloc":
		alloc(number(arg))
	case "sleep":
		time.Sleep(time.Duration(number(arg)) * time.Second)
	default:
		fail("unknown command " + os.Args[1])
	}
}

// alloc touches every page, so the memory is resident and counted against the limit.
func alloc(mib int) {
	chunks := make([][]byte, 0, mib)
	for i := 0; i < mib; i++ {
		chunk := make([]byte, 1<<20)
		for j := range chunk {
			chunk[j] = 1
		}
		chunks = append(chunks, chunk)
	}
	fmt.Printf("allocated %d MiB\n", len(chunks))
}

func number(text string) int {
	n, err := strconv.Atoi(text)
	check(err)
	return n
}

func check(err error) {
	if err != nil {
		fail(err.Error())
	}
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, message)
	os.Exit(1)
}
