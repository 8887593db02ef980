// A client of the real Mesos v1 HTTP APIs, built on the Mesos project's own Go
// library (mesos-go api/v1 as Debian packages it), run unchanged against a
// cluster: operator calls on /api/v1 and an operator SUBSCRIBE stream, and a
// framework on /api/v1/scheduler that launches, watches, kills a task and
// tears itself down. Both in the codec given (protobuf, the library's
// default, or json). Each step prints one JSON line; a failure exits 1.
//
// With json, the calls whose answers carry agents (GET_AGENTS, SUBSCRIBE) are
// left out: this library's JSON decoder refuses enum values newer than it
// (an agent's RESOURCE_PROVIDER capability, which real 1.7 agents report).
//
//	go run main.go http://<master>:5050 protobuf
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpmaster"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	"github.com/mesos/mesos-go/api/v1/lib/master"
	mcalls "github.com/mesos/mesos-go/api/v1/lib/master/calls"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	scalls "github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

func report(step string, result interface{}) {
	line, _ := json.Marshal(map[string]interface{}{"step": step, "result": result})
	fmt.Println(string(line))
}

func fail(step string, err error) {
	line, _ := json.Marshal(map[string]interface{}{"step": step, "error": err.Error()})
	fmt.Println(string(line))
	os.Exit(1)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: mesos-go-client <master url> protobuf|json")
		os.Exit(2)
	}
	base, media := os.Args[1], codecs.MediaTypeProtobuf
	if os.Args[2] == "json" {
		media = codecs.MediaTypeJSON
	}
	codec := codecs.ByMediaType[media]
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	do := httpcli.Do(httpcli.With(httpcli.Timeout(30 * time.Second)))

	// ------------------------------------------------------------ operator API
	operator := httpmaster.NewSender(httpcli.New(httpcli.Endpoint(base+"/api/v1"), httpcli.Codec(codec), do).Send)
	call := func(step string, c *master.Call) *master.Response {
		resp, err := operator.Send(ctx, mcalls.NonStreaming(c))
		if err != nil {
			fail(step, err)
		}
		defer resp.Close()
		var r master.Response
		if err := resp.Decode(&r); err != nil {
			fail(step, err)
		}
		return &r
	}

	// calls answered with no body (200)
	act := func(step string, c *master.Call) {
		resp, err := operator.Send(ctx, mcalls.NonStreaming(c))
		if resp != nil {
			resp.Close()
		}
		if err != nil {
			fail(step, err)
		}
	}

	report("GET_HEALTH", call("GET_HEALTH", mcalls.GetHealth()).GetGetHealth().GetHealthy())
	version := call("GET_VERSION", mcalls.GetVersion()).GetGetVersion().GetVersionInfo()
	report("GET_VERSION", version.GetVersion())
	flags := call("GET_FLAGS", mcalls.GetFlags()).GetGetFlags().GetFlags()
	quorum := ""
	for _, f := range flags {
		if f.GetName() == "quorum" {
			quorum = f.GetValue()
		}
	}
	report("GET_FLAGS", map[string]interface{}{"count": len(flags), "quorum": quorum})
	elected := -1.0
	for _, m := range call("GET_METRICS", mcalls.GetMetrics(nil)).GetGetMetrics().GetMetrics() {
		if m.GetName() == "master/elected" {
			elected = m.GetValue()
		}
	}
	report("GET_METRICS", map[string]interface{}{"master/elected": elected})
	gm := call("GET_MASTER", mcalls.GetMaster()).GetGetMaster()
	report("GET_MASTER", map[string]interface{}{"id": gm.GetMasterInfo().GetID(), "port": gm.GetMasterInfo().GetPort()})
	jsonCodec := media == codecs.MediaTypeJSON
	agents := []master.Response_GetAgents_Agent{}
	if !jsonCodec {
		agents = call("GET_AGENTS", mcalls.GetAgents()).GetGetAgents().GetAgents()
	}
	hosts := []string{}
	for _, a := range agents {
		cpus := 0.0
		for _, r := range a.GetTotalResources() {
			if r.GetName() == "cpus" {
				cpus = r.GetScalar().GetValue()
			}
		}
		ai := a.GetAgentInfo()
		hosts = append(hosts, fmt.Sprintf("%s:%d cpus=%g active=%t", ai.GetHostname(), ai.GetPort(), cpus, a.GetActive()))
	}
	sort.Strings(hosts)
	if !jsonCodec {
		report("GET_AGENTS", hosts)
	}
	names := []string{}
	for _, f := range call("GET_FRAMEWORKS", mcalls.GetFrameworks()).GetGetFrameworks().GetFrameworks() {
		fi := f.GetFrameworkInfo()
		names = append(names, fi.GetName())
	}
	sort.Strings(names)
	report("GET_FRAMEWORKS", names)
	act("UPDATE_WEIGHTS", mcalls.UpdateWeights(mesos.WeightInfo{Role: proto("mesos-go"), Weight: 2.5}))
	weights := map[string]float64{}
	for _, w := range call("GET_WEIGHTS", mcalls.GetWeights()).GetGetWeights().GetWeightInfos() {
		weights[w.GetRole()] = w.GetWeight()
	}
	report("GET_WEIGHTS", weights)

	// The operator event stream, read while the framework below runs.
	var stream mesos.Response
	events := make(chan *master.Event, 100)
	if !jsonCodec {
		var err error
		stream, err = operator.Send(ctx, mcalls.NonStreaming(mcalls.Subscribe()))
		if err != nil {
			fail("SUBSCRIBE", err)
		}
		go func() {
			for {
				var e master.Event
				if err := stream.Decode(&e); err != nil {
					close(events)
					return
				}
				events <- &e
			}
		}()
		first := <-events
		if first == nil || first.GetType() != master.Event_SUBSCRIBED {
			fail("SUBSCRIBE", fmt.Errorf("first event is %v, not SUBSCRIBED", first))
		}
		report("SUBSCRIBED", map[string]interface{}{"agents": len(first.GetSubscribed().GetGetState().GetGetAgents().GetAgents())})
	}

	// ------------------------------------------------------------ a framework
	frameworkName := fmt.Sprintf("mesos-go-%s", os.Args[2])
	caller := httpsched.NewCaller(httpcli.New(httpcli.Endpoint(base+"/api/v1/scheduler"), httpcli.Codec(codec), do))
	info := &mesos.FrameworkInfo{User: "root", Name: frameworkName, Role: proto("mesos-go")}
	sub, err := caller.Call(ctx, scalls.Subscribe(info))
	if err != nil {
		fail("scheduler SUBSCRIBE", err)
	}
	var frameworkID, taskID, agentID string
	states := []string{}
	launched, killed := false, false
	send := func(step string, c *scheduler.Call) {
		resp, err := caller.Call(ctx, c.With(scalls.Framework(frameworkID)))
		if resp != nil {
			resp.Close()
		}
		if err != nil {
			fail(step, err)
		}
	}
schedulerLoop:
	for {
		var e scheduler.Event
		if err := sub.Decode(&e); err != nil {
			fail("scheduler events", err)
		}
		switch e.GetType() {
		case scheduler.Event_SUBSCRIBED:
			frameworkID = e.GetSubscribed().GetFrameworkID().GetValue()
			report("scheduler SUBSCRIBED", map[string]interface{}{"heartbeat": e.GetSubscribed().GetHeartbeatIntervalSeconds()})
		case scheduler.Event_OFFERS:
			for _, o := range e.GetOffers().GetOffers() {
				if launched {
					send("DECLINE", scalls.Decline(o.GetID()))
					continue
				}
				launched = true
				taskID = "sleeper-" + os.Args[2]
				aid := o.GetAgentID()
				agentID = aid.GetValue()
				task := mesos.TaskInfo{
					Name:    taskID,
					TaskID:  mesos.TaskID{Value: taskID},
					AgentID: o.GetAgentID(),
					Command: &mesos.CommandInfo{Value: proto("sleep 300")},
					Resources: []mesos.Resource{
						{Name: "cpus", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 0.1}, Role: proto("*")},
						{Name: "mem", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 32}, Role: proto("*")},
					},
				}
				report("OFFERS", map[string]interface{}{"hostname": o.GetHostname(), "role": o.GetAllocationInfo().GetRole()})
				send("ACCEPT", scalls.Accept(scalls.OfferOperations{scalls.OpLaunch(task)}.WithOffers(o.GetID())))
			}
		case scheduler.Event_UPDATE:
			s := e.GetUpdate().GetStatus()
			states = append(states, s.GetState().String())
			if len(s.GetUUID()) > 0 {
				tid := s.GetTaskID()
				send("ACKNOWLEDGE", scalls.Acknowledge(s.GetAgentID().GetValue(), tid.GetValue(), s.GetUUID()))
			}
			if s.GetState() == mesos.TASK_RUNNING && !killed {
				killed = true
				send("KILL", scalls.Kill(taskID, agentID))
			}
			if s.GetState() == mesos.TASK_KILLED {
				break schedulerLoop
			}
		case scheduler.Event_ERROR:
			fail("scheduler events", fmt.Errorf("ERROR event: %s", e.GetError().GetMessage()))
		}
	}
	report("task states", states)
	tasks := call("GET_TASKS", mcalls.GetTasks()).GetGetTasks()
	completed := ""
	for _, t := range tasks.GetCompletedTasks() {
		if tid := t.GetTaskID(); tid.GetValue() == taskID {
			completed = t.GetState().String()
		}
	}
	report("GET_TASKS", map[string]interface{}{"completed": completed})
	send("TEARDOWN", &scheduler.Call{Type: scheduler.Call_TEARDOWN})
	sub.Close()

	// What the operator stream saw of it, up to the framework's removal.
	if jsonCodec {
		return
	}
	seen := []string{}
	deadline := time.After(60 * time.Second)
streamLoop:
	for {
		select {
		case e, ok := <-events:
			if !ok {
				fail("operator events", fmt.Errorf("stream ended; saw %v", seen))
			}
			switch e.GetType() {
			case master.Event_TASK_ADDED:
				if t := e.GetTaskAdded().GetTask(); t.TaskID.Value == taskID {
					seen = append(seen, "TASK_ADDED")
				}
			case master.Event_TASK_UPDATED:
				if st := e.GetTaskUpdated().GetStatus(); st.TaskID.Value == taskID {
					seen = append(seen, "TASK_UPDATED "+e.GetTaskUpdated().GetState().String())
				}
			case master.Event_FRAMEWORK_ADDED:
				if f := e.GetFrameworkAdded().GetFramework(); f.FrameworkInfo.Name == frameworkName {
					seen = append(seen, "FRAMEWORK_ADDED")
				}
			case master.Event_FRAMEWORK_REMOVED:
				if fi := e.GetFrameworkRemoved().GetFrameworkInfo(); fi.GetName() == frameworkName {
					seen = append(seen, "FRAMEWORK_REMOVED")
					break streamLoop
				}
			}
		case <-deadline:
			fail("operator events", fmt.Errorf("no FRAMEWORK_REMOVED within 60 s; saw %v", seen))
		}
	}
	stream.Close()
	report("operator events", seen)
}

func proto(s string) *string { return &s }
