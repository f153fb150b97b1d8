// The job worker's HTTP API as the page calls it: same origin, the browser's client certificate,
// bodies as application/json (jobapi refuses any other body, docs/api.md "Requests from browsers").

// An answer other than 2xx: status (0 when the server was not reached), the API's error code and
// message ({"error": {"code", "message"}}), or what can be said without them.
export class ApiError extends Error {
	constructor(status, code, message) {
		super(message);
		this.status = status;
		this.code = code;
	}
}

// api(method, path, body): the answer's JSON (null when empty); throws ApiError.
export async function api(method, path, body) {
	const init = { method, headers: { Accept: 'application/json' }, cache: 'no-store' };
	if (body !== undefined) {
		init.headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	let res;
	try {
		res = await fetch(path, init);
	} catch (e) {
		throw new ApiError(0, 'network', `the server could not be reached (${e.message})`);
	}
	const text = await res.text();
	let data;
	try {
		data = text ? JSON.parse(text) : null;
	} catch {
		data = null;
	}
	if (!res.ok) {
		const e = data && typeof data.error === 'object' && data.error ? data.error : {};
		throw new ApiError(res.status, typeof e.code === 'string' ? e.code : `http_${res.status}`,
			typeof e.message === 'string' ? e.message : `${method} ${path} answered ${res.status}`);
	}
	return data;
}

export const jobPath = (id) => `/jobs/${encodeURIComponent(id)}`;
