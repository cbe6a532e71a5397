import type twilio from 'twilio';

/**
 * A SIP domain that takes registrations from one user, set up through the official client as a user would: the
 * domain, a credential list holding the user, and the list mapped to the domain's registrations.
 */
export async function createRegistrationDomain(
  client: twilio.Twilio, domainName: string, listName: string, user = { username: 'alice', password: 'IWasAtSignal2018' },
): Promise<void> {
  const domain = await client.sip.domains.create({ domainName, sipRegistration: true });
  const list = await client.sip.credentialLists.create({ friendlyName: listName });
  await client.sip.credentialLists(list.sid).credentials.create(user);
  await client.sip.domains(domain.sid).auth.registrations.credentialListMappings.create({ credentialListSid: list.sid });
}
