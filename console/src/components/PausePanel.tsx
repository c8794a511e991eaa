import { useState } from 'preact/hooks';
import { put, type Pauses } from '../api';
import { useAction, useResource } from '../lib/useResource';
import { ErrorNotice } from './ErrorNotice';
import { LiveMessage } from './Page';

/** Pause and resume delivery for the whole queue or one destination domain. */
export function PausePanel() {
  const pauses = useResource<Pauses>('/delivery/pauses');
  const action = useAction();
  const [destination, setDestination] = useState('');

  // A server without pause support answers 404: the panel then stays out of the way.
  if (pauses.error?.notFound) return null;
  if (pauses.error) return <ErrorNotice error={pauses.error} title="Pauses: " />;
  const current = pauses.data;
  if (!current) return null;

  const save = async (next: Pauses, done: string) => {
    const result = await action.run(() => put<Pauses>('/delivery/pauses', next), () => done);
    if (result) pauses.setData(result);
  };

  const pauseDestination = (event: Event) => {
    event.preventDefault();
    const domain = destination.trim().toLowerCase();
    if (!domain || current.destinations.includes(domain)) return;
    void save({ ...current, destinations: [...current.destinations, domain] }, `Delivery to ${domain} paused.`).then(() =>
      setDestination(''),
    );
  };

  return (
    <section class="panel" aria-labelledby="pause-heading">
      <h2 id="pause-heading">Delivery</h2>
      <p>
        {current.all ? (
          <strong>Delivery is paused for the whole queue.</strong>
        ) : (
          'Delivery is running.'
        )}{' '}
        <button
          type="button"
          class={current.all ? 'primary' : ''}
          disabled={action.pending}
          onClick={() => save({ ...current, all: !current.all }, current.all ? 'Delivery resumed.' : 'Delivery paused.')}
        >
          {current.all ? 'Resume all delivery' : 'Pause all delivery'}
        </button>
      </p>
      {current.destinations.length > 0 && (
        <ul class="pause-list" aria-label="Paused destinations">
          {current.destinations.map((domain) => (
            <li key={domain}>
              Paused: <strong>{domain}</strong>{' '}
              <button
                type="button"
                disabled={action.pending}
                onClick={() =>
                  save({ ...current, destinations: current.destinations.filter((item) => item !== domain) }, `Delivery to ${domain} resumed.`)
                }
              >
                Resume<span class="visually-hidden"> delivery to {domain}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <form class="inline-form" onSubmit={pauseDestination}>
        <label for="pause-destination">Pause one destination domain</label>
        <input
          id="pause-destination"
          type="text"
          placeholder="example.org"
          value={destination}
          onInput={(event) => setDestination(event.currentTarget.value)}
        />
        <button type="submit" disabled={action.pending || !destination.trim()}>
          Pause destination
        </button>
      </form>
      <ErrorNotice error={action.error} />
      <LiveMessage>{action.message}</LiveMessage>
    </section>
  );
}
