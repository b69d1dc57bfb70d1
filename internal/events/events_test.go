package events

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAppendReadRotate(t *testing.T) {
	j := New(t.TempDir())
	t0 := time.Now()
	for i := 0; i < 3; i++ {
		if err := j.Append(Event{Time: t0.Add(time.Duration(i) * time.Second), Type: "container", Status: fmt.Sprint("s", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	read := func(o Options) []string {
		got = nil
		if err := j.Read(context.Background(), o, func(e Event) error { got = append(got, e.Status); return nil }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if s := strings.Join(read(Options{}), ","); s != "s0,s1,s2" {
		t.Errorf("all = %s", s)
	}
	if s := strings.Join(read(Options{Since: t0.Add(time.Second)}), ","); s != "s1,s2" {
		t.Errorf("since = %s", s)
	}
	if s := strings.Join(read(Options{Until: t0.Add(time.Second)}), ","); s != "s0,s1" {
		t.Errorf("until = %s", s)
	}
	// Fill past MaxSize: the journal rotates, and reading sees both files.
	big := strings.Repeat("x", 4096)
	for i := 0; i < MaxSize/4096+2; i++ {
		j.Append(Event{Time: time.Now(), Type: "container", Status: "fill", Attributes: map[string]string{"p": big}})
	}
	if _, err := os.Stat(j.oldPath()); err != nil {
		t.Fatalf("no rotation: %v", err)
	}
	j.Append(Event{Time: time.Now(), Type: "container", Status: "last"})
	all := read(Options{})
	if all[len(all)-1] != "last" {
		t.Errorf("last event %s", all[len(all)-1])
	}
}

func TestFollowAndConcurrentAppends(t *testing.T) {
	j := New(t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var mu sync.Mutex
	seen := map[string]bool{}
	done := make(chan error, 1)
	go func() {
		done <- j.Read(ctx, Options{Follow: true}, func(e Event) error {
			mu.Lock()
			seen[e.Status] = true
			n := len(seen)
			mu.Unlock()
			if n == 40 {
				cancel()
			}
			return nil
		})
	}()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				j.Append(Event{Time: time.Now(), Type: "container", Status: fmt.Sprintf("w%d-%d", w, i)})
			}
		}(w)
	}
	wg.Wait()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 40 {
		t.Errorf("follow saw %d of 40 events", len(seen))
	}
}
