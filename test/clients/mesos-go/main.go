// A client of the real Mesos v1 HTTP APIs, built on the Mesos project's own Go
// library (mesos-go api/v1 as Debian packages it), run unchanged against a
// cluster: operator calls on /api/v1 and an operator SUBSCRIBE stream, and a
// framework on /api/v1/scheduler that launches, watches, kills a task and
// tears itself down; with protobuf, an operator reserves resources and makes
// a persistent volume that two tasks of the framework share, one after the
// other, and the framework destroys and unreserves them; and the maintenance
// calls schedule the agent's machine, see it draining and clear the schedule. Both in the codec
// given (protobuf, the library's default, or json). Each step prints one JSON
// line; a failure exits 1.
//
// With json, the calls whose answers carry agents (GET_AGENTS, SUBSCRIBE) are
// left out: this library's JSON decoder refuses enum values newer than it
// (an agent's RESOURCE_PROVIDER capability, which real 1.7 agents report).
//
//	go run main.go http://<master>:5050 protobuf http://<marathon>:8080
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/agent"
	acalls "github.com/mesos/mesos-go/api/v1/lib/agent/calls"
	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpagent"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpmaster"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	"github.com/mesos/mesos-go/api/v1/lib/maintenance"
	"github.com/mesos/mesos-go/api/v1/lib/master"
	mcalls "github.com/mesos/mesos-go/api/v1/lib/master/calls"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	scalls "github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

const watchApp = "mesos-go-watch"

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
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: mesos-go-client <master url> protobuf|json <marathon url>")
		os.Exit(2)
	}
	marathonURL := os.Args[3]
	// Marathon's REST API, to start (and remove) an app whose task the operator stream should show
	marathonCall := func(method, path, body string) {
		req, _ := http.NewRequest(method, marathonURL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fail("marathon "+method, err)
		}
		res.Body.Close()
		if res.StatusCode >= 300 {
			fail("marathon "+method, fmt.Errorf("%s %s: %d", method, path, res.StatusCode))
		}
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
	if !jsonCodec {
		// the whole state in one answer, as the DC/OS CLI and UIs read it
		state := call("GET_STATE", mcalls.GetState()).GetGetState()
		report("GET_STATE", map[string]interface{}{
			"agents":     len(state.GetGetAgents().GetAgents()),
			"frameworks": len(state.GetGetFrameworks().GetFrameworks()),
			"executors":  len(state.GetGetExecutors().GetExecutors()),
		})
	}
	// a weight of its own per codec, so each run shows its own update
	weight := 2.5
	if jsonCodec {
		weight = 1.5
	}
	act("UPDATE_WEIGHTS", mcalls.UpdateWeights(mesos.WeightInfo{Role: proto("mesos-go"), Weight: weight}))
	weights := map[string]float64{}
	for _, w := range call("GET_WEIGHTS", mcalls.GetWeights()).GetGetWeights().GetWeightInfos() {
		weights[w.GetRole()] = w.GetWeight()
	}
	report("GET_WEIGHTS", weights)

	// The operator event stream, read while the framework below runs.
	var stream mesos.Response
	events := make(chan *master.Event, 1000)
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
		marathonCall("POST", "/v2/apps", `{"id":"/`+watchApp+`","cmd":"sleep 300","cpus":0.1,"mem":32,"instances":1}`)
	}

	// ------------------------------------------------------------ a framework
	frameworkName := fmt.Sprintf("mesos-go-%s", os.Args[2])
	caller := httpsched.NewCaller(httpcli.New(httpcli.Endpoint(base+"/api/v1/scheduler"), httpcli.Codec(codec), do))
	info := &mesos.FrameworkInfo{User: "root", Name: frameworkName, Role: proto("mesos-go")}
	sub, err := caller.Call(ctx, scalls.Subscribe(info))
	if err != nil {
		fail("scheduler SUBSCRIBE", err)
	}
	// Two tasks from the first offer: one runs to TASK_FINISHED, one is killed once running.
	var frameworkID, agentID, agentURL string
	finisher, sleeper := "finisher-"+os.Args[2], "sleeper-"+os.Args[2]
	states := map[string][]string{}
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
	resources := []mesos.Resource{
		{Name: "cpus", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 0.1}, Role: proto("*")},
		{Name: "mem", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 32}, Role: proto("*")},
	}
	last := func(id string) string {
		if l := states[id]; len(l) > 0 {
			return l[len(l)-1]
		}
		return ""
	}
	for last(finisher) != "TASK_FINISHED" || last(sleeper) != "TASK_KILLED" {
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
				aid := o.GetAgentID()
				agentID = aid.GetValue()
				addr := o.GetURL().GetAddress()
				agentURL = fmt.Sprintf("http://%s:%d", addr.GetIP(), addr.GetPort())
				task := func(id, cmd string) mesos.TaskInfo {
					return mesos.TaskInfo{Name: id, TaskID: mesos.TaskID{Value: id}, AgentID: aid, Command: &mesos.CommandInfo{Value: proto(cmd)}, Resources: resources}
				}
				roles := map[string]bool{}
				for _, r := range o.GetResources() {
					roles[r.GetRole()] = true
				}
				// a framework without MULTI_ROLE sees no allocation_info, and unreserved resources as role "*"
				report("OFFERS", map[string]interface{}{"hostname": o.GetHostname(), "allocation_info": o.AllocationInfo != nil, "roles": roles})
				send("ACCEPT", scalls.Accept(scalls.OfferOperations{scalls.OpLaunch(task(finisher, "echo done"), task(sleeper, "sleep 300"))}.WithOffers(o.GetID())))
			}
		case scheduler.Event_UPDATE:
			s := e.GetUpdate().GetStatus()
			tid := s.GetTaskID()
			states[tid.GetValue()] = append(states[tid.GetValue()], s.GetState().String())
			if len(s.GetUUID()) > 0 {
				send("ACKNOWLEDGE", scalls.Acknowledge(s.GetAgentID().GetValue(), tid.GetValue(), s.GetUUID()))
			}
			if tid.GetValue() == sleeper && s.GetState() == mesos.TASK_RUNNING && !killed {
				agentCalls(agentURL, codec, do, ctx, sleeper, frameworkName)
				killed = true
				send("KILL", scalls.Kill(sleeper, agentID))
			}
		case scheduler.Event_ERROR:
			fail("scheduler events", fmt.Errorf("ERROR event: %s", e.GetError().GetMessage()))
		}
	}
	report("task states", states)
	if !jsonCodec {
		volumes(ctx, call, act, sub, send, agentID)
	}
	tasks := call("GET_TASKS", mcalls.GetTasks()).GetGetTasks()
	completed := map[string]string{}
	for _, t := range tasks.GetCompletedTasks() {
		if tid := t.GetTaskID(); tid.GetValue() == finisher || tid.GetValue() == sleeper {
			completed[tid.GetValue()] = t.GetState().String()
		}
	}
	report("GET_TASKS", map[string]interface{}{"completed": completed})
	send("TEARDOWN", &scheduler.Call{Type: scheduler.Call_TEARDOWN})
	sub.Close()

	// What the operator stream saw: our framework up to its removal, and the
	// task of the Marathon app started after SUBSCRIBE, up to its kill.
	if jsonCodec {
		return
	}
	ours, marathon := []string{}, []string{}
	marathonTask := ""
	deleted := false
	deadline := time.After(120 * time.Second)
	for len(ours) == 0 || ours[len(ours)-1] != "FRAMEWORK_REMOVED" || len(marathon) == 0 || marathon[len(marathon)-1] != "TASK_UPDATED TASK_KILLED" {
		select {
		case e, ok := <-events:
			if !ok {
				fail("operator events", fmt.Errorf("stream ended; saw %v and %v", ours, marathon))
			}
			switch e.GetType() {
			case master.Event_TASK_ADDED:
				t := e.GetTaskAdded().GetTask()
				if t.TaskID.Value == finisher || t.TaskID.Value == sleeper {
					ours = append(ours, "TASK_ADDED "+t.TaskID.Value)
				} else if strings.HasPrefix(t.TaskID.Value, watchApp+".") {
					marathonTask = t.TaskID.Value
					marathon = append(marathon, "TASK_ADDED")
				}
			case master.Event_TASK_UPDATED:
				st := e.GetTaskUpdated().GetStatus()
				state := "TASK_UPDATED " + e.GetTaskUpdated().GetState().String()
				if st.TaskID.Value == finisher || st.TaskID.Value == sleeper {
					ours = append(ours, state+" "+st.TaskID.Value)
				} else if st.TaskID.Value == marathonTask {
					marathon = append(marathon, state)
					if e.GetTaskUpdated().GetState() == mesos.TASK_RUNNING && !deleted {
						deleted = true
						marathonCall("DELETE", "/v2/apps/"+watchApp+"?force=true", "")
					}
				}
			case master.Event_FRAMEWORK_ADDED:
				if f := e.GetFrameworkAdded().GetFramework(); f.FrameworkInfo.Name == frameworkName {
					ours = append(ours, "FRAMEWORK_ADDED")
				}
			case master.Event_FRAMEWORK_REMOVED:
				if fi := e.GetFrameworkRemoved().GetFrameworkInfo(); fi.GetName() == frameworkName {
					ours = append(ours, "FRAMEWORK_REMOVED")
				}
			}
		case <-deadline:
			fail("operator events", fmt.Errorf("not all events within 120 s; saw %v and %v", ours, marathon))
		}
	}
	stream.Close()
	report("operator events", ours)
	report("operator events of a Marathon task", marathon)
	maintenanceCalls(call, act)
}

// The maintenance calls: the agent's machine (its hostname and the address of
// its pid) scheduled, seen draining, then the schedule emptied again.
func maintenanceCalls(call func(string, *master.Call) *master.Response, act func(string, *master.Call)) {
	agents := call("GET_AGENTS", mcalls.GetAgents()).GetGetAgents().GetAgents()
	if len(agents) == 0 {
		fail("maintenance", fmt.Errorf("no agent"))
	}
	ai := agents[0].GetAgentInfo()
	host := ai.GetHostname()
	pid := agents[0].GetPID()
	ip := pid[strings.Index(pid, "@")+1 : strings.LastIndex(pid, ":")]
	start := (time.Now().Unix() + 3600) * int64(time.Second)
	window := maintenance.Window{
		MachineIDs:     []mesos.MachineID{{Hostname: &host, IP: &ip}},
		Unavailability: mesos.Unavailability{Start: mesos.TimeInfo{Nanoseconds: start}, Duration: &mesos.DurationInfo{Nanoseconds: int64(time.Hour)}},
	}
	act("UPDATE_MAINTENANCE_SCHEDULE", mcalls.UpdateMaintenanceSchedule(maintenance.Schedule{Windows: []maintenance.Window{window}}))
	schedule := call("GET_MAINTENANCE_SCHEDULE", mcalls.GetMaintenanceSchedule()).GetGetMaintenanceSchedule().GetSchedule()
	scheduled := []string{}
	for _, w := range schedule.GetWindows() {
		for i := range w.MachineIDs {
			m := &w.MachineIDs[i]
			scheduled = append(scheduled, fmt.Sprintf("%s %s start+%ds", m.GetHostname(), m.GetIP(), (w.Unavailability.Start.Nanoseconds-start)/int64(time.Second)))
		}
	}
	report("GET_MAINTENANCE_SCHEDULE", scheduled)
	draining := []string{}
	status := call("GET_MAINTENANCE_STATUS", mcalls.GetMaintenanceStatus()).GetGetMaintenanceStatus().GetStatus()
	for _, d := range status.GetDrainingMachines() {
		id := d.GetID()
		draining = append(draining, fmt.Sprintf("%s %s", id.GetHostname(), id.GetIP()))
	}
	report("GET_MAINTENANCE_STATUS draining", map[string]interface{}{"machines": draining, "agent": host + " " + ip})
	act("UPDATE_MAINTENANCE_SCHEDULE empty", mcalls.UpdateMaintenanceSchedule(maintenance.Schedule{}))
	after := call("GET_MAINTENANCE_STATUS", mcalls.GetMaintenanceStatus()).GetGetMaintenanceStatus().GetStatus()
	report("GET_MAINTENANCE_STATUS after", len(after.GetDrainingMachines()))
}

func proto(s string) *string { return &s }

// agentCalls makes the agent operator API's read calls on the agent running
// the sleeper task, while it runs.
func agentCalls(agentURL string, codec encoding.Codec, do httpcli.Opt, ctx context.Context, sleeper, frameworkName string) {
	sender := httpagent.NewSender(httpcli.New(httpcli.Endpoint(agentURL+"/api/v1"), httpcli.Codec(codec), do).Send)
	call := func(step string, c *agent.Call) *agent.Response {
		resp, err := sender.Send(ctx, acalls.NonStreaming(c))
		if err != nil {
			fail(step, err)
		}
		defer resp.Close()
		var r agent.Response
		if err := resp.Decode(&r); err != nil {
			fail(step, err)
		}
		return &r
	}
	report("agent GET_HEALTH", call("agent GET_HEALTH", acalls.GetHealth()).GetGetHealth().GetHealthy())
	info := call("agent GET_AGENT", acalls.GetAgent()).GetGetAgent().GetAgentInfo()
	report("agent GET_AGENT", map[string]interface{}{"port": info.GetPort(), "hasID": info.GetID().GetValue() != ""})
	launched := []string{}
	for _, t := range call("agent GET_TASKS", acalls.GetTasks()).GetGetTasks().GetLaunchedTasks() {
		if tid := t.GetTaskID(); tid.GetValue() == sleeper {
			launched = append(launched, tid.GetValue()+" "+t.GetState().String())
		}
	}
	report("agent GET_TASKS", launched)
	containers := []string{}
	parent := ""
	for _, c := range call("agent GET_CONTAINERS", acalls.GetContainers()).GetGetContainers().GetContainers() {
		if eid := c.GetExecutorID(); eid.GetValue() == sleeper {
			containers = append(containers, fmt.Sprintf("%s mem_limit=%d", eid.GetValue(), c.GetResourceStatistics().GetMemLimitBytes()))
			parent = c.ContainerID.Value
		}
	}
	report("agent GET_CONTAINERS", containers)

	// A command in the task's environment, as exec-into-a-task tools run one.
	session := mesos.ContainerID{Value: fmt.Sprintf("session-%d", time.Now().UnixNano()), Parent: &mesos.ContainerID{Value: parent}}
	cmd := &mesos.CommandInfo{Value: proto("echo nested in $MESOS_EXECUTOR_ID; echo oops >&2; exit 4")}
	out, err := sender.Send(ctx, acalls.NonStreaming(acalls.LaunchNestedContainerSession(session, cmd, nil)))
	if err != nil {
		fail("agent LAUNCH_NESTED_CONTAINER_SESSION", err)
	}
	var stdout, stderr []byte
	for {
		var pio agent.ProcessIO
		if err := out.Decode(&pio); err != nil {
			if err != io.EOF {
				fail("agent LAUNCH_NESTED_CONTAINER_SESSION", err)
			}
			break
		}
		if pio.GetType() == agent.ProcessIO_DATA {
			switch pio.GetData().GetType() {
			case agent.ProcessIO_Data_STDOUT:
				stdout = append(stdout, pio.GetData().GetData()...)
			case agent.ProcessIO_Data_STDERR:
				stderr = append(stderr, pio.GetData().GetData()...)
			}
		}
	}
	out.Close()
	status := call("agent WAIT_NESTED_CONTAINER", acalls.WaitNestedContainer(session)).GetWaitNestedContainer().GetExitStatus()
	report("agent nested session", map[string]interface{}{"stdout": string(stdout), "stderr": string(stderr), "exit_status": status})
	executors := 0
	for _, e := range call("agent GET_EXECUTORS", acalls.GetExecutors()).GetGetExecutors().GetExecutors() {
		if ei := e.GetExecutorInfo(); ei.ExecutorID.Value == sleeper {
			executors++
		}
	}
	report("agent GET_EXECUTORS", executors)
	names := []string{}
	for _, f := range call("agent GET_FRAMEWORKS", acalls.GetFrameworks()).GetGetFrameworks().GetFrameworks() {
		if fi := f.GetFrameworkInfo(); fi.GetName() == frameworkName {
			names = append(names, fi.GetName())
		}
	}
	report("agent GET_FRAMEWORKS", names)
}

// The agent's resources reserved to the role mesos-go, as GET_AGENTS shows them: "<name>[:<volume id>]=<amount>".
func reservedOn(call func(string, *master.Call) *master.Response, agentID string) []string {
	out := []string{}
	for _, a := range call("GET_AGENTS", mcalls.GetAgents()).GetGetAgents().GetAgents() {
		if ai := a.GetAgentInfo(); ai.GetID().GetValue() != agentID {
			continue
		}
		for _, r := range a.GetTotalResources() {
			if r.GetRole() != "mesos-go" {
				continue
			}
			name := r.GetName()
			if id := r.GetDisk().GetPersistence().GetID(); id != "" {
				name += ":" + id
			}
			out = append(out, fmt.Sprintf("%s=%g", name, r.GetScalar().GetValue()))
		}
	}
	sort.Strings(out)
	return out
}

// An operator reserves cpus, mem and disk for the role mesos-go on the agent
// and makes a volume of part of the disk; the framework runs a task that
// writes into the volume and then one that reads what the first wrote, from
// the reserved resources of its offers; then it destroys the volume and
// unreserves everything, and the agent has nothing reserved again.
func volumes(ctx context.Context, call func(string, *master.Call) *master.Response, act func(string, *master.Call), sub mesos.Response, send func(string, *scheduler.Call), agentID string) {
	reservation := &mesos.Resource_ReservationInfo{Principal: proto("mesos-go-operator")}
	reserved := func(name string, v float64) mesos.Resource {
		return mesos.Resource{Name: name, Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: v}, Role: proto("mesos-go"), Reservation: reservation}
	}
	rw := mesos.RW
	volume := reserved("disk", 8)
	volume.Disk = &mesos.Resource_DiskInfo{
		Persistence: &mesos.Resource_DiskInfo_Persistence{ID: "gv1", Principal: proto("mesos-go-operator")},
		Volume:      &mesos.Volume{ContainerPath: "data", Mode: &rw},
	}
	aid := mesos.AgentID{Value: agentID}
	act("RESERVE_RESOURCES", mcalls.ReserveResources(aid, reserved("cpus", 0.2), reserved("mem", 64), reserved("disk", 16)))
	act("CREATE_VOLUMES", mcalls.CreateVolumes(aid, volume))
	report("reserved after CREATE_VOLUMES", reservedOn(call, agentID))

	// each task takes the reserved cpus and mem it needs and the volume, as the offer has them
	states := map[string]string{}
	steps := []struct{ id, cmd string }{{"volume-writer", "echo hello > data/greeting"}, {"volume-reader", `test "$(cat data/greeting)" = hello`}}
	next, destroyed := 0, false
	for !destroyed {
		var e scheduler.Event
		if err := sub.Decode(&e); err != nil {
			fail("volume events", err)
		}
		switch e.GetType() {
		case scheduler.Event_OFFERS:
			for _, o := range e.GetOffers().GetOffers() {
				var vol *mesos.Resource
				for i, r := range o.GetResources() {
					if r.GetDisk().GetPersistence().GetID() == "gv1" {
						vol = &o.Resources[i]
					}
				}
				busy := next > 0 && states[steps[next-1].id] != "TASK_FINISHED"
				if oa := o.GetAgentID(); oa.GetValue() != agentID || vol == nil || busy {
					send("DECLINE", scalls.Decline(o.GetID()).With(scalls.RefuseSeconds(time.Second)))
					continue
				}
				if next < len(steps) {
					task := mesos.TaskInfo{
						Name: steps[next].id, TaskID: mesos.TaskID{Value: steps[next].id}, AgentID: o.GetAgentID(),
						Command:   &mesos.CommandInfo{Value: proto(steps[next].cmd)},
						Resources: []mesos.Resource{reserved("cpus", 0.1), reserved("mem", 32), *vol},
					}
					next++
					send("ACCEPT launch on the volume", scalls.Accept(scalls.OfferOperations{scalls.OpLaunch(task)}.WithOffers(o.GetID())).With(scalls.RefuseSeconds(time.Second)))
					continue
				}
				// both ran: destroy the volume, then give back all that is reserved
				send("ACCEPT destroy and unreserve", scalls.Accept(scalls.OfferOperations{
					scalls.OpDestroy(*vol),
					scalls.OpUnreserve(reserved("cpus", 0.2), reserved("mem", 64), reserved("disk", 16)),
				}.WithOffers(o.GetID())))
				destroyed = true
			}
		case scheduler.Event_UPDATE:
			s := e.GetUpdate().GetStatus()
			tid := s.GetTaskID()
			states[tid.GetValue()] = s.GetState().String()
			if len(s.GetUUID()) > 0 {
				send("ACKNOWLEDGE", scalls.Acknowledge(s.GetAgentID().GetValue(), tid.GetValue(), s.GetUUID()))
			}
			if st := s.GetState(); st == mesos.TASK_FAILED || st == mesos.TASK_ERROR || st == mesos.TASK_LOST {
				fail("volume tasks", fmt.Errorf("%s: %s %s", tid.GetValue(), st, s.GetMessage()))
			}
		case scheduler.Event_ERROR:
			fail("volume events", fmt.Errorf("ERROR event: %s", e.GetError().GetMessage()))
		}
	}
	report("volume task states", states)
	// the master applies an ACCEPT after answering it: look until the reservations are gone
	left := reservedOn(call, agentID)
	for deadline := time.Now().Add(30 * time.Second); len(left) > 0 && time.Now().Before(deadline); left = reservedOn(call, agentID) {
		time.Sleep(200 * time.Millisecond)
	}
	report("reserved after DESTROY and UNRESERVE", left)
}
