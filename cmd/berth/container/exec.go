package container

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newExec(g *cli.Globals) *cobra.Command {
	var o engine.ExecOptions
	var env, envFiles []string
	var detachKeys string
	var preserveFDs uint
	cmd := &cobra.Command{
		Use:   "exec [flags] CONTAINER COMMAND [ARG...]",
		Short: "Run a process in a running container",
		Long: `Run COMMAND in a running container, with the container's environment,
user and working directory unless -e, -u or -w say otherwise.

berth exits with the process's exit code: 126 when COMMAND cannot be
executed, 127 when it does not exist, 125 when berth fails (no such
container, the container is not running or is paused). With -d the process
runs in the background and berth prints the exec session ID. With -it the
process gets a terminal that follows berth's window size; the detach keys
(default ctrl-p,ctrl-q) leave it running.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var err error
			if o.Env, err = envList(envFiles, env); err != nil {
				return err
			}
			o.Command = args[1:]
			if o.Detach && o.Interactive {
				o.Interactive = false // nothing would feed it
			}
			for i := range preserveFDs {
				o.PreserveFDs = append(o.PreserveFDs, os.NewFile(uintptr(3+i), fmt.Sprintf("fd%d", 3+i)))
			}
			u, err := newUserIO(o.Interactive, o.Terminal, detachKeys)
			if err != nil {
				return err
			}
			defer u.restore()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			c, err := rt.LookupContainer(ctx, args[0])
			if err != nil {
				return err
			}
			if !o.Detach {
				u.makeRaw()
			}
			sess, err := c.Exec(ctx, o, u.streams)
			if err != nil {
				return err
			}
			defer sess.Close()
			if o.Detach {
				fmt.Println(sess.ID())
				return nil
			}
			u.follow(ctx, sess.Attachment())
			code, err := sess.Wait(ctx)
			u.restore()
			return exitStatus(code, err)
		},
	}
	fl := cmd.Flags()
	fl.SetInterspersed(false)
	fl.BoolVarP(&o.Interactive, "interactive", "i", false, "forward stdin to the process")
	fl.BoolVarP(&o.Terminal, "tty", "t", false, "give the process a pseudo-terminal")
	fl.BoolVarP(&o.Detach, "detach", "d", false, "run the process in the background and print the session ID")
	fl.StringVarP(&o.User, "user", "u", "", "run as user[:group] (names or numbers) instead of the container's user")
	fl.StringArrayVarP(&env, "env", "e", nil, "set KEY=VALUE in the process's environment (KEY alone copies berth's)")
	fl.StringArrayVar(&envFiles, "env-file", nil, "read KEY=VALUE lines from a file (# comments and blank lines ignored)")
	fl.StringVarP(&o.WorkDir, "workdir", "w", "", "working directory of the process (absolute)")
	fl.BoolVar(&o.Privileged, "privileged", false, "give the process all capabilities")
	fl.StringVar(&detachKeys, "detach-keys", engine.DefaultDetachKeys, `keys that detach from the process and leave it running ("" disables)`)
	fl.UintVar(&preserveFDs, "preserve-fds", 0, "pass berth's file descriptors 3 to 3+N-1 to the process")
	return cmd
}
