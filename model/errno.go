package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Errno is an error number as the kernel returns it. Zero means success.
type Errno uint8

// The errnos pidcheck's ops can answer with.
const (
	OK     Errno = iota // success
	EAGAIN              // a level is full
	ENOMEM              // the space no longer accepts tasks
	ESRCH               // no such task / number
	ECHILD              // no children to wait for
	EINVAL              // invalid argument
	EEXIST              // number already taken
	ENOSPC              // too many nested spaces
	EPERM               // not permitted
	EACCES              // setpgid of a child that has exec'd
	numErrnos
)

var errnoNames = [...]string{"ok", "EAGAIN", "ENOMEM", "ESRCH", "ECHILD", "EINVAL", "EEXIST", "ENOSPC", "EPERM", "EACCES"}

// NumErrnos is one more than the largest named Errno: a size for arrays
// indexed by errno.
const NumErrnos = int(numErrnos)

// Errnos lists every errno, OK first.
func Errnos() []Errno {
	out := make([]Errno, numErrnos)
	for i := range out {
		out[i] = Errno(i)
	}
	return out
}

// String returns the errno's name ("EAGAIN"), or "ok".
func (e Errno) String() string {
	if int(e) < len(errnoNames) {
		return errnoNames[e]
	}
	return fmt.Sprintf("errno(%d)", uint8(e))
}

// Error makes an Errno usable as an error.
func (e Errno) Error() string { return e.String() }

// ParseErrno parses an errno as String prints it: a name, or "errno(200)"
// for one without a name. It does not accept "ok".
func ParseErrno(s string) (Errno, bool) {
	for i := 1; i < len(errnoNames); i++ {
		if errnoNames[i] == s {
			return Errno(i), true
		}
	}
	if v, ok := strings.CutPrefix(s, "errno("); ok {
		if v, ok = strings.CutSuffix(v, ")"); ok {
			n, err := strconv.Atoi(v)
			if err == nil && n >= int(numErrnos) && n <= 255 && strconv.Itoa(n) == v {
				return Errno(n), true
			}
		}
	}
	return 0, false
}
