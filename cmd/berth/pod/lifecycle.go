package pod

import (
	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

// simple builds a command that applies one pod operation to each argument.
func simple(g *cli.Globals, use, short, long string, op func(cmd *cobra.Command, p *engine.Pod) error) (*cobra.Command, *bool) {
	var all bool
	cmd := &cobra.Command{
		Use:   use + " [flags] POD [POD...]",
		Short: short,
		Long:  long,
		RunE: func(cmd *cobra.Command, args []string) error {
			return forEach(cmd, g, args, all, func(p *engine.Pod) error { return op(cmd, p) })
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "apply to every pod")
	return cmd, &all
}

func newStart(g *cli.Globals) *cobra.Command {
	cmd, _ := simple(g, "start", "Start pods", `Start every container of the pods, the infra container first.`,
		func(cmd *cobra.Command, p *engine.Pod) error { return p.Start(cmd.Context()) })
	return cmd
}

// timeoutOf returns -t when it was given, else nil (each container's own).
func timeoutOf(cmd *cobra.Command, t *uint) *uint {
	if cmd.Flags().Changed("time") {
		return t
	}
	return nil
}

func newStop(g *cli.Globals) *cobra.Command {
	var t uint
	cmd, _ := simple(g, "stop", "Stop pods", `Stop every container of the pods in reverse dependency order: the
containers that join the infra container's namespaces first, the infra
container last.`,
		func(cmd *cobra.Command, p *engine.Pod) error { return p.Stop(cmd.Context(), timeoutOf(cmd, &t)) })
	cmd.Flags().UintVarP(&t, "time", "t", 10, "seconds to wait for each container to stop before killing it (default: each container's stop timeout)")
	return cmd
}

func newRestart(g *cli.Globals) *cobra.Command {
	var t uint
	cmd, _ := simple(g, "restart", "Restart pods", `Stop the pods (as pod stop) and start them again.`,
		func(cmd *cobra.Command, p *engine.Pod) error { return p.Restart(cmd.Context(), timeoutOf(cmd, &t)) })
	cmd.Flags().UintVarP(&t, "time", "t", 10, "seconds to wait for each container to stop before killing it")
	return cmd
}

func newKill(g *cli.Globals) *cobra.Command {
	var sig string
	cmd, _ := simple(g, "kill", "Send a signal to the containers of pods", `Send a signal (default SIGKILL) to every running container of the pods.`,
		func(cmd *cobra.Command, p *engine.Pod) error {
			s, err := engine.ParseSignal(sig)
			if err != nil {
				return err
			}
			return p.Kill(cmd.Context(), s)
		})
	cmd.Flags().StringVarP(&sig, "signal", "s", "KILL", "signal to send, by name or number")
	return cmd
}

func newPause(g *cli.Globals) *cobra.Command {
	cmd, _ := simple(g, "pause", "Pause pods", `Freeze every running container of the pods.`,
		func(cmd *cobra.Command, p *engine.Pod) error { return p.Pause(cmd.Context()) })
	return cmd
}

func newUnpause(g *cli.Globals) *cobra.Command {
	cmd, _ := simple(g, "unpause", "Unpause pods", `Thaw every paused container of the pods.`,
		func(cmd *cobra.Command, p *engine.Pod) error { return p.Unpause(cmd.Context()) })
	return cmd
}
