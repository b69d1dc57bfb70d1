package system

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
	"github.com/berthproject/berth/engine"
)

func newDf(g *cli.Globals) *cobra.Command {
	var verbose bool
	var tmpl string
	cmd := &cobra.Command{
		Use:   "df [flags]",
		Short: "Show disk usage of images, containers and volumes",
		Long: `Show how much disk images, container layers and volumes use, and how
much could be reclaimed (unused images, stopped containers, unused
volumes). -v lists every item. --format fields: .Type .Total .Active
.Size .Reclaimable, or json.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt, err := g.Runtime(cmd.Context())
			if err != nil {
				return err
			}
			du, err := rt.DiskUsage(cmd.Context())
			if err != nil {
				return err
			}
			if verbose {
				printDfVerbose(du)
				return nil
			}
			f, err := format.New(tmpl, "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}", nil)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			return f.Write(os.Stdout, dfSummary(du))
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every image, container and volume")
	cmd.Flags().StringVar(&tmpl, "format", "", `format output: a Go template, "table TEMPLATE" or "json"`)
	return cmd
}

type dfRow struct {
	Type        string
	Total       int
	Active      int
	Size        string
	Reclaimable string
	RawSize     int64 `json:"RawSize"`
	RawReclaim  int64 `json:"RawReclaimable"`
}

func reclaim(n, total int64) string {
	pct := 0
	if total > 0 {
		pct = int(n * 100 / total)
	}
	return fmt.Sprintf("%s (%d%%)", format.HumanSize(n), pct)
}

func dfSummary(du *engine.DiskUsage) []dfRow {
	var img, imgFree, ctr, ctrFree, vol, volFree int64
	imgActive, ctrActive, volActive := 0, 0, 0
	for _, i := range du.Images {
		img += i.Size
		if i.Containers > 0 {
			imgActive++
		} else {
			imgFree += i.Size
		}
	}
	for _, c := range du.Containers {
		ctr += c.Size
		if c.Status == engine.StatusRunning || c.Status == engine.StatusPaused {
			ctrActive++
		} else {
			ctrFree += c.Size
		}
	}
	for _, v := range du.Volumes {
		vol += v.Size
		if v.Links > 0 {
			volActive++
		} else {
			volFree += v.Size
		}
	}
	return []dfRow{
		{"Images", len(du.Images), imgActive, format.HumanSize(img), reclaim(imgFree, img), img, imgFree},
		{"Containers", len(du.Containers), ctrActive, format.HumanSize(ctr), reclaim(ctrFree, ctr), ctr, ctrFree},
		{"Local Volumes", len(du.Volumes), volActive, format.HumanSize(vol), reclaim(volFree, vol), vol, volFree},
	}
}

func printDfVerbose(du *engine.DiskUsage) {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintln(w, "Images space usage:\n\nREPOSITORY                 IMAGE ID      SIZE        CONTAINERS")
	for _, i := range du.Images {
		name := "<none>"
		if len(i.Names) > 0 {
			name = i.Names[0]
		}
		fmt.Fprintf(w, "%-26s %-13s %-11s %d\n", name, i.ID[:12], format.HumanSize(i.Size), i.Containers)
	}
	fmt.Fprintln(w, "\nContainers space usage:\n\nCONTAINER ID  IMAGE                      SIZE        STATUS      NAMES")
	for _, c := range du.Containers {
		fmt.Fprintf(w, "%-13s %-26s %-11s %-11s %s\n", c.ID[:12], c.Image, format.HumanSize(c.Size), c.Status.DisplayStatus(), c.Name)
	}
	fmt.Fprintln(w, "\nLocal Volumes space usage:\n\nVOLUME NAME                LINKS       SIZE")
	for _, v := range du.Volumes {
		fmt.Fprintf(w, "%-26s %-11d %s\n", v.Name, v.Links, format.HumanSize(v.Size))
	}
}

func newReset(g *cli.Globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "reset [flags]",
		Short: "Remove all containers, volumes, networks and images: berth as on first use",
		Long: `Remove every container (killing running ones), volume, network (with its
bridge and firewall rules on the host) and image, and delete the image
store's directories. Asks for confirmation on a terminal
unless --force; without a terminal --force is required.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !force {
				if !term.IsTerminal(int(os.Stdin.Fd())) {
					return cli.UsageError{Err: fmt.Errorf("refusing to reset without --force when not on a terminal")}
				}
				fmt.Print("This removes every container, volume, network and image. Continue? [y/N] ")
				answer, _ := bufio.NewReader(os.Stdin).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					return nil
				}
			}
			rt, err := g.Runtime(cmd.Context())
			if err != nil {
				return err
			}
			return rt.Reset(cmd.Context())
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	return cmd
}

func newPrune(g *cli.Globals) *cobra.Command {
	var all, volumes, force bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [flags]",
		Short: "Remove stopped containers, unused images and (with --volumes) unused volumes",
		Long: `Remove every stopped container, then dangling images (with --all every
image no container uses), then with --volumes every volume no container
uses. Filters (until=, label=, label!=) apply to containers.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt, err := g.Runtime(cmd.Context())
			if err != nil {
				return err
			}
			rep, err := rt.SystemPrune(cmd.Context(), all, volumes, filters)
			printPruned("Containers", rep.Containers.Removed)
			printPruned("Images", rep.Images)
			if volumes {
				printPruned("Volumes", rep.Volumes)
			}
			fmt.Printf("Total reclaimed space: %s\n", format.HumanSize(rep.Containers.Space))
			return err
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove every unused image, not only dangling ones")
	cmd.Flags().BoolVar(&volumes, "volumes", false, "also remove unused volumes")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation (berth never asks)")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "only containers matching until=, label= or label!=")
	return cmd
}

func printPruned(what string, ids []string) {
	if len(ids) == 0 {
		return
	}
	fmt.Printf("Deleted %s\n", what)
	for _, id := range ids {
		fmt.Println(id)
	}
}
