import { describe, expect, it } from "vitest";
import { ApiClient, ApiError } from "./api-client.js";

function fakeFetch(answer: (url: string, init?: RequestInit) => Response | Promise<Response>) {
  const calls: { url: string; init?: RequestInit }[] = [];
  return {
    calls,
    fetch: async (url: string, init?: RequestInit) => {
      calls.push({ url, ...(init ? { init } : {}) });
      return answer(url, init);
    },
  };
}

describe("ApiClient", () => {
  it("resolves API paths against the page's root, whatever the prefix", () => {
    expect(new ApiClient("http://h:8080/").url("api/v1/topology")).toBe("http://h:8080/api/v1/topology");
    expect(new ApiClient(new URL("../", "http://h/proxy/ns/ui/")).url("/api/v1/x")).toBe(
      "http://h/proxy/ns/api/v1/x",
    );
    expect(new ApiClient("http://h/p").url("api/v1/x")).toBe("http://h/p/api/v1/x");
  });

  it("sends the bearer token and JSON body on POST only", async () => {
    const f = fakeFetch(() => new Response(JSON.stringify({ id: "r-1" }), { status: 200 }));
    const api = new ApiClient("http://h/", f.fetch);
    await api.getJson("api/v1/remediations");
    expect(new Headers(f.calls[0]?.init?.headers).get("authorization")).toBeNull();
    expect(await api.postJson("api/v1/remediations/r-1/approve", { changeSha256: "ab" }, "tok")).toEqual({
      id: "r-1",
    });
    const post = f.calls[1]?.init;
    expect(post?.method).toBe("POST");
    expect(new Headers(post?.headers).get("authorization")).toBe("Bearer tok");
    expect(new Headers(post?.headers).get("content-type")).toBe("application/json");
    expect(post?.body).toBe('{"changeSha256":"ab"}');
  });

  it("turns error bodies, non-JSON errors and network failures into ApiErrors", async () => {
    const api = new ApiClient(
      "http://h/",
      fakeFetch((url) => {
        if (url.endsWith("/401")) {
          return new Response(
            JSON.stringify({ error: { code: "CW_UNAUTHENTICATED", message: "token not valid" } }),
            {
              status: 401,
            },
          );
        }
        if (url.endsWith("/502")) return new Response("<html>bad gateway</html>", { status: 502 });
        throw new TypeError("Failed to fetch");
      }).fetch,
    );
    const err = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e as ApiError,
      );
    const e401 = await err(api.postJson("401", {}, "t"));
    expect(e401).toBeInstanceOf(ApiError);
    expect(e401?.describe()).toBe("401 CW_UNAUTHENTICATED: token not valid");
    const e502 = await err(api.getJson("502"));
    expect(e502).toMatchObject({ status: 502, code: "HTTP_502", message: "<html>bad gateway</html>" });
    const down = await err(api.getJson("down"));
    expect(down?.status).toBe(0);
    expect(down?.describe()).toBe("cannot reach the mediator: Failed to fetch");
  });
});
