package image

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
	"github.com/berthproject/berth/engine"
)

func newLogin(g *cli.Globals) *cobra.Command {
	var rf regFlags
	var user, password string
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:   "login [flags] REGISTRY",
		Short: "Log in to a registry",
		Long: `Check a user name and password with REGISTRY and store them in the auth
file: --authfile, else $REGISTRY_AUTH_FILE, else auth.json in the run root
(/run/berth/auth.json). Pulls and pushes also read ~/.docker/config.json.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ro, err := rf.options(cmd)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			if passwordStdin {
				if password != "" {
					return cli.UsageError{Err: errors.New("--password and --password-stdin are mutually exclusive")}
				}
				b, err := io.ReadAll(os.Stdin)
				if err != nil {
					return err
				}
				password = strings.TrimRight(string(b), "\r\n")
			}
			if user == "" || password == "" {
				if !term.IsTerminal(int(os.Stdin.Fd())) {
					return cli.UsageError{Err: errors.New("login needs --username and --password (or --password-stdin) when stdin is not a terminal")}
				}
				if user, password, err = prompt(user, password); err != nil {
					return err
				}
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			if err := rt.Login(ctx, args[0], user, password, ro); err != nil {
				return err
			}
			fmt.Println("Login Succeeded!")
			return nil
		},
	}
	fl := cmd.Flags()
	rf.register(fl, false)
	_ = fl.MarkHidden("creds")
	fl.StringVarP(&user, "username", "u", "", "user name")
	fl.StringVarP(&password, "password", "p", "", "password (visible in the process list: prefer --password-stdin)")
	fl.BoolVar(&passwordStdin, "password-stdin", false, "read the password from stdin")
	return cmd
}

// prompt asks for what is missing on the terminal.
func prompt(user, password string) (string, string, error) {
	if user == "" {
		fmt.Fprint(os.Stderr, "Username: ")
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil {
			return "", "", err
		}
		user = strings.TrimSpace(line)
	}
	if password == "" {
		fmt.Fprint(os.Stderr, "Password: ")
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return "", "", err
		}
		password = string(b)
	}
	return user, password, nil
}

func newLogout(g *cli.Globals) *cobra.Command {
	var authfile string
	var all bool
	cmd := &cobra.Command{
		Use:   "logout [flags] [REGISTRY]",
		Short: "Remove stored registry credentials",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if all == (len(args) == 1) {
				return cli.UsageError{Err: errors.New("give exactly one of REGISTRY and --all")}
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			server := ""
			if len(args) == 1 {
				server = args[0]
			}
			if err := rt.Logout(ctx, server, engine.RegistryOptions{AuthFile: authfile}); err != nil {
				return err
			}
			if all {
				fmt.Println("Removed login credentials for all registries")
			} else {
				fmt.Println("Removed login credentials for " + server)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&authfile, "authfile", "", "auth file to edit (default: $REGISTRY_AUTH_FILE, else /run/berth/auth.json)")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove the credentials of every registry")
	return cmd
}

func newSearch(g *cli.Globals) *cobra.Command {
	var rf regFlags
	var limit int
	var tmpl string
	var noTrunc bool
	cmd := &cobra.Command{
		Use:   "search [flags] REGISTRY/TERM",
		Short: "Search a registry for repositories",
		Long: `List the repositories of REGISTRY whose names contain TERM.

Registries with a v1 search endpoint (docker.io) answer with descriptions
and stars. A distribution registry (docker-registry) has none: berth then
lists its /v2/_catalog and filters names, so only NAME is known. Without a
REGISTRY/ part, each unqualified-search registry of registries.conf is asked.
--format fields: .Index .Name .Description .Stars .Official`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ro, err := rf.options(cmd)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			registry, term := "", args[0]
			if host, rest, ok := strings.Cut(strings.TrimPrefix(args[0], "docker://"), "/"); ok && (strings.ContainsAny(host, ".:") || host == "localhost") {
				registry, term = host, rest
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			res, err := rt.Search(ctx, registry, term, limit, ro)
			if err != nil {
				return err
			}
			f, err := format.New(tmpl, "table {{.Name}}\t{{.Description}}", nil)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			rows := make([]searchRow, 0, len(res))
			for _, r := range res {
				d := r.Description
				if !noTrunc && len(d) > 44 {
					d = d[:44] + "..."
				}
				rows = append(rows, searchRow{Index: r.Index, Name: r.Name, Description: d, Stars: r.Stars, Official: r.Official})
			}
			return f.Write(os.Stdout, rows)
		},
	}
	fl := cmd.Flags()
	rf.register(fl, false)
	fl.IntVar(&limit, "limit", 25, "show at most this many results per registry")
	fl.StringVar(&tmpl, "format", "", `format output: a Go template, "table TEMPLATE" or "json"`)
	fl.BoolVar(&noTrunc, "no-trunc", false, "do not truncate descriptions")
	return cmd
}

type searchRow struct {
	Index, Name, Description string
	Stars                    int
	Official                 bool
}
