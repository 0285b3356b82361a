import createClient from 'openapi-fetch';
import type { paths } from './api.js';
export async function use(baseUrl: string, key: string) {
  const client = createClient<paths>({ baseUrl, headers: { authorization: 'Bearer ' + key } });
  const { data, error } = await client.POST('/v1/echo-dev/put', { body: { key: 'typed', value: 1 } });
  if (error) throw new Error(error.code);
  const id: string = data.id;
  const job = await client.GET('/v1/jobs/{id}', { params: { path: { id } } });
  const status: 'queued' | 'active' | 'retrying' | 'succeeded' | 'failed' | 'dead' | undefined = job.data?.status;
  return status;
}
