export { OriginateService, type OriginateRequest, type OriginateServiceOptions } from './originate-service.js';
export { OutgoingCall, type OutgoingCallStatusEvent, type OutgoingPhase, finalStatusOf } from './outgoing-call.js';
export { DestinationResolver, type Destination, type DestinationResult, NO_ROUTE_CODE, NO_REGISTRATION_CODE } from './destinations.js';
export { placeCall, type PlaceCallServices, type PlaceCallOptions } from './place-call.js';
export { detectAnsweringMachine, machineDetectionParams, runMachineDetection } from './machine-detection.js';
