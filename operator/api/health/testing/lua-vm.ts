// Runs an Argo CD health script in a Lua VM as Argo CD's health VM does (util/lua/lua.go):
// the object as the global `obj` (arrays as 1-based tables), only the base and table
// libraries (Argo CD adds `package` and a safe `os`; no `string`, no `math`), and the
// chunk's returned table read as { status, message }. fengari is Lua 5.3; Argo CD's
// gopher-lua is Lua 5.1: scripts keep to what both share (see lua-subset.ts).
import { lauxlib, lua, lualib, to_luastring, type LuaState } from 'fengari';

/** ArgoHealth is what an Argo CD health script returns. */
export interface ArgoHealth {
  readonly status: string;
  readonly message: string;
}

/** runHealthScript runs `script` with `object` as `obj` and returns its `hs`. */
export function runHealthScript(script: string, object: unknown): ArgoHealth {
  const L = lauxlib.luaL_newstate();
  openArgoLibraries(L);
  pushValue(L, object);
  lua.lua_setglobal(L, to_luastring('obj'));
  const loaded = lauxlib.luaL_loadbuffer(L, to_luastring(script), null, to_luastring('health'));
  if (loaded !== lua.LUA_OK) throw new Error(`the script does not load: ${errorText(L)}`);
  if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK)
    throw new Error(`the script failed: ${errorText(L)}`);
  if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) throw new Error('the script returned no table');
  return { status: stringField(L, 'status'), message: stringField(L, 'message') };
}

// openArgoLibraries opens what Argo CD's health VM opens, less `package` and its safe `os`,
// which no script here uses.
function openArgoLibraries(L: LuaState): void {
  const libraries = [
    ['_G', lualib.luaopen_base],
    [lualib.LUA_TABLIBNAME, lualib.luaopen_table],
  ] as const;
  for (const [name, open] of libraries) {
    lauxlib.luaL_requiref(L, to_luastring(name), open, 1);
    lua.lua_settop(L, 0);
  }
}

// pushValue pushes JSON as Argo CD's decoder does, arrays 1-based. gopher-lua has only
// floats and prints an integral one without a fraction (tostring(3) is "3"); Lua 5.3 does
// so for integers, so integral numbers go in as integers.
function pushValue(L: LuaState, value: unknown): void {
  if (value === null || value === undefined) lua.lua_pushnil(L);
  else if (typeof value === 'string') lua.lua_pushstring(L, to_luastring(value));
  else if (typeof value === 'number') pushNumber(L, value);
  else if (typeof value === 'boolean') lua.lua_pushboolean(L, value);
  else if (Array.isArray(value)) pushArray(L, value);
  else if (typeof value === 'object') pushObject(L, value);
  else throw new Error(`a ${typeof value} is not JSON`);
}

function pushNumber(L: LuaState, value: number): void {
  if (Number.isSafeInteger(value)) lua.lua_pushinteger(L, value);
  else lua.lua_pushnumber(L, value);
}

function pushArray(L: LuaState, values: readonly unknown[]): void {
  lua.lua_createtable(L, values.length, 0);
  values.forEach((item, index) => {
    pushValue(L, item);
    lua.lua_rawseti(L, -2, index + 1);
  });
}

function pushObject(L: LuaState, object: object): void {
  const entries = Object.entries(object).filter(([, item]) => item !== undefined);
  lua.lua_createtable(L, 0, entries.length);
  for (const [key, item] of entries) {
    pushValue(L, item);
    lua.lua_setfield(L, -2, to_luastring(key));
  }
}

function stringField(L: LuaState, key: string): string {
  lua.lua_getfield(L, -1, to_luastring(key));
  const text = lua.lua_type(L, -1) === lua.LUA_TSTRING ? lua.lua_tojsstring(L, -1) : null;
  lua.lua_settop(L, -2);
  if (text === null) throw new Error(`hs.${key} is not a string`);
  return text;
}

function errorText(L: LuaState): string {
  return lua.lua_tojsstring(L, -1) ?? 'unknown error';
}
