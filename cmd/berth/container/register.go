// Package container holds the container commands: each file parses one
// command's flags into options and calls the engine.
package container

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

// constructors of the commands that exist both at the top level
// (`berth ps`) and under `berth container` (`berth container ls`).
var shared = []func(*cli.Globals) *cobra.Command{
	newCreate, newRun, newStart, newStop, newKill, newRestart, newRm,
	newInspect, newWait, newPause, newUnpause, newMount, newUmount,
	newExport, newLogs, newUpdate, newStats, newRename, newCp, newDiff, newPort,
	newAttach, newExec, newTop,
}

// Register adds the container commands to root.
func Register(root *cobra.Command, g *cli.Globals) {
	for _, mk := range shared {
		root.AddCommand(mk(g))
	}
	root.AddCommand(newPs(g, "ps"), newHealthcheck(g))
	group := &cobra.Command{
		Use:   "container",
		Short: "Manage containers",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	for _, mk := range shared {
		group.AddCommand(mk(g))
	}
	group.AddCommand(newPs(g, "ls"), newCleanup(g), newExists(g), newPrune(g))
	root.AddCommand(group)
}

// forEach looks up each reference and applies fn, printing the reference
// on success as podman does. Errors are printed as they happen and the
// last one is returned, so every container is tried.
func forEach(ctx context.Context, g *cli.Globals, refs []string, fn func(*engine.Container) error) error {
	return forEachIgnoring(ctx, g, refs, false, fn)
}

// forEachIgnoring is forEach that, with ignoreMissing, silently skips
// references to containers that do not exist (--ignore).
func forEachIgnoring(ctx context.Context, g *cli.Globals, refs []string, ignoreMissing bool, fn func(*engine.Container) error) error {
	rt, err := g.Runtime(ctx)
	if err != nil {
		return err
	}
	var last error
	for _, ref := range refs {
		c, err := rt.LookupContainer(ctx, ref)
		if err == nil {
			err = fn(c)
		}
		if ignoreMissing && errors.Is(err, engine.ErrNoSuchCtr) {
			continue
		}
		if err != nil {
			if last != nil {
				cli.PrintError(os.Stderr, last)
			}
			last = err
			continue
		}
		fmt.Println(ref)
	}
	return last
}

// allRefs returns the IDs of every container, for --all flags.
func allRefs(ctx context.Context, g *cli.Globals, running bool) ([]string, error) {
	rt, err := g.Runtime(ctx)
	if err != nil {
		return nil, err
	}
	list, err := rt.ListContainers(ctx, engine.ListOptions{All: !running})
	if err != nil {
		return nil, err
	}
	refs := make([]string, 0, len(list))
	for _, e := range list {
		refs = append(refs, e.ID)
	}
	return refs, nil
}

// targets resolves the container arguments, or all containers with --all.
func targets(ctx context.Context, g *cli.Globals, args []string, all, runningOnly bool) ([]string, error) {
	if all {
		if len(args) > 0 {
			return nil, cli.UsageError{Err: fmt.Errorf("--all and container names cannot be used together")}
		}
		return allRefs(ctx, g, runningOnly)
	}
	if len(args) == 0 {
		return nil, cli.UsageError{Err: fmt.Errorf("at least one container name or ID must be given")}
	}
	return args, nil
}
