// The part of fengari (Lua 5.3 in JavaScript, no types of its own) the Lua VM runner uses.
declare module 'fengari' {
  /** LuaState is an opaque Lua state. */
  export type LuaState = object;
  type CFunction = (L: LuaState) => number;
  export function to_luastring(text: string): Uint8Array;
  export const lua: {
    readonly LUA_OK: number;
    readonly LUA_TNIL: number;
    readonly LUA_TTABLE: number;
    readonly LUA_TSTRING: number;
    lua_createtable(L: LuaState, narr: number, nrec: number): void;
    lua_getfield(L: LuaState, index: number, key: Uint8Array): number;
    lua_gettop(L: LuaState): number;
    lua_pcall(L: LuaState, nargs: number, nresults: number, handler: number): number;
    lua_pushboolean(L: LuaState, value: boolean): void;
    lua_pushinteger(L: LuaState, value: number): void;
    lua_pushnil(L: LuaState): void;
    lua_pushnumber(L: LuaState, value: number): void;
    lua_pushstring(L: LuaState, value: Uint8Array): void;
    lua_rawseti(L: LuaState, index: number, n: number): void;
    lua_setfield(L: LuaState, index: number, key: Uint8Array): void;
    lua_setglobal(L: LuaState, name: Uint8Array): void;
    lua_settop(L: LuaState, index: number): void;
    lua_tojsstring(L: LuaState, index: number): string | null;
    lua_type(L: LuaState, index: number): number;
  };
  export const lauxlib: {
    luaL_newstate(): LuaState;
    luaL_loadbuffer(L: LuaState, buffer: Uint8Array, size: number | null, name: Uint8Array): number;
    luaL_requiref(L: LuaState, name: Uint8Array, open: CFunction, global: number): void;
  };
  export const lualib: {
    readonly LUA_TABLIBNAME: string;
    luaopen_base: CFunction;
    luaopen_table: CFunction;
  };
}
