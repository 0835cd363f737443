-- Argo CD health of an awscheck.io/v1alpha1 AwsCheck (resource.customizations.health.awscheck.io_AwsCheck).
-- Reads `obj`, returns `hs`. Written in the subset of Lua 5.1 (Argo CD's gopher-lua) that Lua 5.3 shares.
-- The order is the rule: a status not yet written for this spec says nothing; Stalled needs a person
-- (Degraded); Reconciling heals by itself (Progressing); a suspended check is Suspended; then the
-- latest run decides: Healthy=False is Degraded, True is Healthy, and a first run the operator starts
-- at once (firstRun: Immediately) is waited for (Progressing).
local function condition(kind)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function said(c)
  return (c.reason or "") .. ": " .. (c.message or "")
end

local hs = {}
local generation = obj.metadata.generation or 0
if obj.status == nil or obj.status.observedGeneration ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = said(stalled)
  return hs
end

local reconciling = condition("Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = said(reconciling)
  return hs
end

local ready = condition("Ready")
if ready == nil or ready.status ~= "True" then
  if ready ~= nil and ready.status == "False" then
    hs.status = "Degraded"
    hs.message = said(ready)
  else
    hs.status = "Progressing"
    hs.message = "Waiting for the check to be scheduled"
  end
  return hs
end

local healthy = condition("Healthy")
if obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Scheduling is suspended"
  if healthy ~= nil then
    hs.message = hs.message .. "; latest run: " .. said(healthy)
  end
  return hs
end

if healthy ~= nil and healthy.status == "False" then
  hs.status = "Degraded"
  hs.message = said(healthy)
  return hs
end
if healthy ~= nil and healthy.status == "True" then
  hs.status = "Healthy"
  hs.message = said(healthy)
  return hs
end
if obj.spec.firstRun == "OnSchedule" then
  hs.status = "Healthy"
  hs.message = "Scheduled; the first run is at " .. (obj.status.nextScheduleTime or "the next scheduled time")
  return hs
end
hs.status = "Progressing"
hs.message = "Waiting for the first run"
if healthy ~= nil then
  hs.message = said(healthy)
end
return hs
