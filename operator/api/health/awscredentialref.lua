-- Argo CD health of an awscheck.io/v1alpha1 AwsCredentialRef (resource.customizations.health.awscheck.io_AwsCredentialRef).
-- Reads `obj`, returns `hs`. Written in the subset of Lua 5.1 (Argo CD's gopher-lua) that Lua 5.3 shares.
-- A status not yet written for this spec says nothing (Progressing); Stalled needs a person
-- (Degraded); Reconciling is a validation under way (Progressing); Ready=True is Healthy.
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
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = said(ready)
  return hs
end
if ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = said(ready)
  return hs
end
hs.status = "Progressing"
hs.message = "Waiting for the credentials to be validated"
return hs
