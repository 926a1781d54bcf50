package analysis

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// directFileSystems are the file systems whose files washscan writes with
// O_DIRECT: local block-device file systems where direct I/O is a plain
// write to the disk. Elsewhere (network file systems, FUSE, tmpfs, …) a
// direct write may be synchronous with a server or not supported, so
// files are written the ordinary way.
var directFileSystems = map[int64]bool{
	unix.EXT4_SUPER_MAGIC: true, // also ext2 and ext3
	unix.XFS_SUPER_MAGIC:  true,
}

var errNoDirect = errors.New("direct I/O not used on this file system")

// setDirect turns O_DIRECT on or off for f's open file description; on
// only on directFileSystems.
func setDirect(f *os.File, on bool) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	err = rc.Control(func(fd uintptr) {
		if on {
			var st unix.Statfs_t
			if ferr = unix.Fstatfs(int(fd), &st); ferr != nil {
				return
			}
			if !directFileSystems[int64(st.Type)] {
				ferr = errNoDirect
				return
			}
		}
		var fl int
		if fl, ferr = unix.FcntlInt(fd, unix.F_GETFL, 0); ferr != nil {
			return
		}
		if on {
			fl |= unix.O_DIRECT
		} else {
			fl &^= unix.O_DIRECT
		}
		_, ferr = unix.FcntlInt(fd, unix.F_SETFL, fl)
	})
	if err != nil {
		return err
	}
	return ferr
}
