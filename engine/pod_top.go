package engine

import (
	"context"
	"fmt"
)

// Top lists the processes of every running container of the pod under one
// header, with a NAME column saying which container each belongs to.
func (p *Pod) Top(ctx context.Context, descriptors []string) ([][]string, error) {
	ctrs, err := p.Containers(ctx)
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, c := range ctrs {
		if err := c.peek(ctx); err != nil || c.state.Status != StatusRunning {
			continue
		}
		rows, err := c.Top(ctx, descriptors)
		if err != nil {
			return nil, fmt.Errorf("container %s: %w", c.Name(), err)
		}
		if len(rows) == 0 {
			continue
		}
		if out == nil {
			out = append(out, append([]string{"NAME"}, rows[0]...))
		}
		for _, row := range rows[1:] {
			out = append(out, append([]string{c.Name()}, row...))
		}
	}
	if out == nil {
		return nil, fmt.Errorf("pod %s has no running container: %w", p.Name(), ErrCtrStateInvalid)
	}
	return out, nil
}
