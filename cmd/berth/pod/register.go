// Package pod holds the `berth pod` commands: each file parses one
// command's flags and calls the engine.
package pod

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

// Register adds the `pod` group to root.
func Register(root *cobra.Command, g *cli.Globals) {
	group := &cobra.Command{
		Use:   "pod",
		Short: "Manage pods: groups of containers that share namespaces",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	group.AddCommand(newCreate(g), newStart(g), newStop(g), newRestart(g), newKill(g),
		newPause(g), newUnpause(g), newRm(g), newPrune(g), newPs(g), newInspect(g),
		newStats(g), newLogs(g), newExists(g), newTop(g))
	root.AddCommand(group)
}

func usageErr(format string, a ...any) error {
	return cli.UsageError{Err: fmt.Errorf(format, a...)}
}

// targets resolves the pod arguments, or every pod with --all.
func targets(ctx context.Context, rt *engine.Runtime, args []string, all bool) ([]string, error) {
	if all {
		if len(args) > 0 {
			return nil, usageErr("--all and pod names cannot be used together")
		}
		list, err := rt.ListPods(ctx, nil)
		if err != nil {
			return nil, err
		}
		refs := make([]string, 0, len(list))
		for _, p := range list {
			refs = append(refs, p.ID)
		}
		return refs, nil
	}
	if len(args) == 0 {
		return nil, usageErr("at least one pod name or ID must be given (or --all)")
	}
	return args, nil
}

// forEach applies fn to each pod, printing its ID on success as podman
// does; errors are printed as they happen and the last one is returned.
func forEach(cmd *cobra.Command, g *cli.Globals, args []string, all bool, fn func(*engine.Pod) error) error {
	ctx := cmd.Context()
	rt, err := g.Runtime(ctx)
	if err != nil {
		return err
	}
	refs, err := targets(ctx, rt, args, all)
	if err != nil {
		return err
	}
	var last error
	for _, ref := range refs {
		p, err := rt.LookupPod(ctx, ref)
		if err == nil {
			err = fn(p)
		}
		if err != nil {
			if last != nil {
				cli.PrintError(os.Stderr, last)
			}
			last = err
			continue
		}
		fmt.Println(p.ID())
	}
	return last
}
