import { useEffect, useState } from 'preact/hooks';
import { fromLocalInput, toLocalInput } from '../lib/format';
import { STATUS_FILTERS } from '../lib/statuses';
import { setQuery } from '../router';

export interface MessageFilter {
  status: string;
  q: string;
  since: string;
  until: string;
}

export function filterFromQuery(query: URLSearchParams): MessageFilter {
  return {
    status: query.get('status') ?? '',
    q: query.get('q') ?? '',
    since: query.get('since') ?? '',
    until: query.get('until') ?? '',
  };
}

/** The list filters; they live in the URL (times as ISO) so a filtered view can be linked. */
export function MessageFilters({ filter, idPrefix }: { filter: MessageFilter; idPrefix: string }) {
  const [status, setStatus] = useState(filter.status);
  const [search, setSearch] = useState(filter.q);
  const [since, setSince] = useState(toLocalInput(filter.since));
  const [until, setUntil] = useState(toLocalInput(filter.until));

  // The URL may change under the form (Back, a link): the fields follow it.
  useEffect(() => {
    setStatus(filter.status);
    setSearch(filter.q);
    setSince(toLocalInput(filter.since));
    setUntil(toLocalInput(filter.until));
  }, [filter.status, filter.q, filter.since, filter.until]);

  const apply = (event: Event) => {
    event.preventDefault();
    setQuery({ status, q: search.trim(), since: fromLocalInput(since), until: fromLocalInput(until), cursor: undefined });
  };

  const clear = () => {
    setStatus('');
    setSearch('');
    setSince('');
    setUntil('');
    setQuery({ status: undefined, q: undefined, since: undefined, until: undefined, cursor: undefined });
  };

  return (
    <form class="filters" role="search" aria-label="Filter messages" onSubmit={apply}>
      <div class="field">
        <label for={`${idPrefix}-status`}>Status</label>
        <select id={`${idPrefix}-status`} value={status} onChange={(event) => setStatus(event.currentTarget.value)}>
          {STATUS_FILTERS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      <div class="field field-grow">
        <label for={`${idPrefix}-q`}>Search from, to, subject, Message-ID</label>
        <input id={`${idPrefix}-q`} type="search" value={search} onInput={(event) => setSearch(event.currentTarget.value)} />
      </div>
      <div class="field">
        <label for={`${idPrefix}-since`}>Since</label>
        <input id={`${idPrefix}-since`} type="datetime-local" value={since} onInput={(event) => setSince(event.currentTarget.value)} />
      </div>
      <div class="field">
        <label for={`${idPrefix}-until`}>Until</label>
        <input id={`${idPrefix}-until`} type="datetime-local" value={until} onInput={(event) => setUntil(event.currentTarget.value)} />
      </div>
      <div class="filter-buttons">
        <button type="submit" class="primary">
          Apply filters
        </button>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
