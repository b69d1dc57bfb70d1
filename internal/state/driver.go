package state

import (
	"context"
	"database/sql/driver"
	"fmt"

	"modernc.org/sqlite"
)

// newDriver is the SQLite driver of one DB: its connections keep the
// write-ahead log and its index (-wal, -shm) when they close.
//
// Why: every berth command opens the database and closes it a few
// milliseconds later. By default the last connection to close deletes both
// files and the next command creates them again, which costs every command
// two file creations and deletions and makes its first write slower (2-5
// ms against ~0.4 ms with the files kept, on this VM's ext4). A kept WAL
// is as safe: SQLite replays or ignores its frames by their checksums, as
// after any crash.
func newDriver() *sqlite.Driver {
	drv := &sqlite.Driver{}
	drv.RegisterConnectionHook(func(c sqlite.ExecQuerierContext, _ string) error {
		fc, ok := c.(sqlite.FileControl)
		if !ok {
			return nil // a driver without file controls: the default behaviour
		}
		if _, err := fc.FileControlPersistWAL("main", 1); err != nil {
			return fmt.Errorf("keeping the write-ahead log: %w", err)
		}
		return nil
	})
	return drv
}

// connector opens connections of drv to dsn (sql.OpenDB's way to use a
// driver that is not registered under a name).
type connector struct {
	drv *sqlite.Driver
	dsn string
}

func (c *connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c *connector) Driver() driver.Driver                        { return c.drv }
