export { startEsdbProtocolServer, type EsdbProtocolServer, type EsdbProtocolServerOptions } from './server';
