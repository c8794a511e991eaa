import { apiUrl, type Deliverability } from '../api';
import { useResource } from './useResource';

/** One domain's checklist line and details (GET /deliverability?domain=…, nothing activated). */
export function useDomainChecklist(domain: string) {
  const resource = useResource<Deliverability>(apiUrl('/deliverability', { domain }));
  const checklist = resource.data?.domains.find((item) => item.domain.toLowerCase() === domain.toLowerCase()) ?? resource.data?.domains[0];
  return { ...resource, checklist };
}
