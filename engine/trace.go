package engine

import (
	"time"

	"github.com/sirupsen/logrus"
)

// phase logs how long a step of a hot path took, at debug level
// (`berth --log-level debug run ...`), so speed work starts from numbers.
func phase(name string, since time.Time) {
	if logrus.IsLevelEnabled(logrus.DebugLevel) {
		logrus.Debugf("%s: %.1f ms", name, float64(time.Since(since).Microseconds())/1000)
	}
}

// logWarn reports a problem that does not fail the command.
func logWarn(format string, args ...any) { logrus.Warnf(format, args...) }
