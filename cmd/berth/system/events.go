package system

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
	"github.com/berthproject/berth/engine"
)

func newEvents(g *cli.Globals) *cobra.Command {
	var since, until, tmpl string
	var filters []string
	var stream, noTrunc bool
	cmd := &cobra.Command{
		Use:   "events [flags]",
		Short: "Show container and image events from berth's journal",
		Long: `Print events (create, init, start, died, stop, kill, pause, unpause,
cleanup, restart, remove; image tag, untag, remove, ...) from the journal
every berth process appends to under the run root. By default it follows
new events until interrupted; --stream=false (or --until) prints what is
there and exits. --since/--until take an RFC 3339 time, Unix seconds or a
duration before now. Filters: type=, event=, container=, image=,
label=KEY[=VALUE]. --format json prints one JSON object per line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			now := time.Now()
			o := engine.EventOptions{Filters: filters, Follow: stream}
			var err error
			if o.Since, err = cli.ParseTime(since, now); err != nil {
				return cli.UsageError{Err: fmt.Errorf("invalid --since: %w", err)}
			}
			if o.Until, err = cli.ParseTime(until, now); err != nil {
				return cli.UsageError{Err: fmt.Errorf("invalid --until: %w", err)}
			}
			if !o.Until.IsZero() && o.Until.Before(now) {
				o.Follow = false
			}
			var f *format.Formatter
			if tmpl != "" && tmpl != "json" {
				if f, err = format.New(tmpl, tmpl, nil); err != nil {
					return cli.UsageError{Err: err}
				}
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(os.Stdout)
			return rt.Events(ctx, o, func(e engine.Event) error {
				switch {
				case tmpl == "json":
					return enc.Encode(e)
				case f != nil:
					return f.Write(os.Stdout, []engine.Event{e})
				}
				_, err := fmt.Println(eventLine(e, noTrunc))
				return err
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&since, "since", "", "show events at or after this time")
	fl.StringVar(&until, "until", "", "show events at or before this time")
	fl.StringArrayVarP(&filters, "filter", "f", nil, "filter events: type=, event=, container=, image=, label=KEY[=VALUE]")
	fl.StringVar(&tmpl, "format", "", "format each event with a Go template ({{.Status}} {{.Name}}) or json")
	fl.BoolVar(&stream, "stream", true, "keep following new events (false: print the existing ones and exit)")
	fl.BoolVar(&noTrunc, "no-trunc", false, "do not shorten IDs")
	return cmd
}

// eventLine is podman's plain event format.
func eventLine(e engine.Event, noTrunc bool) string {
	id := e.ID
	if !noTrunc && len(id) > 12 {
		id = id[:12]
	}
	keys := make([]string, 0, len(e.Attributes))
	for k := range e.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]string, 0, len(keys))
	for _, k := range keys {
		attrs = append(attrs, k+"="+e.Attributes[k])
	}
	line := fmt.Sprintf("%s %s %s %s", e.Time.Format("2006-01-02 15:04:05.000000000 -0700 MST"), e.Type, e.Status, id)
	if e.Type == "image" && e.Name != "" {
		line += " " + e.Name
	}
	if len(attrs) > 0 {
		line += " (" + strings.Join(attrs, ", ") + ")"
	}
	return line
}
