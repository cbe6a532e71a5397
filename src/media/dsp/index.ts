export { goertzelCoefficient, goertzelPower, tonePower } from './goertzel.js';
